"""Datasets written a part at a time: records and their lineage as Parquet files whose row
groups are the parts (a simulator part file, a collection worker's unit of homes).

The largest datasets (device-days, patterns) grow with homes; held whole, as one frame, they
cost hundreds of MB. Written this way a cycle holds one part at a time, and the files read
back as the frames the pandas route wrote: the parts are read twice, once for the types and
pandas metadata the whole table takes (`arrow_frames.PandasShape`), once to write them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from homeiq_assets.arrow_frames import PandasShape, conform
from homeiq_assets.storage import parquet_writer_atomic


def write_in_parts(
    parts: Callable[[], Iterable[pa.Table]],
    folder: Path,
    lineage: Callable[[pa.Table], pa.Table],
) -> int:
    """Write the tables `parts()` yields (each call the same tables, in order) as
    `folder/records.parquet`, and `lineage` of each as `folder/lineage.parquet`; the rows
    written. Parts without rows shape the types but write no row group."""
    records_shape, lineage_shape = PandasShape(), PandasShape()
    for part in parts():
        records_shape.add(part)
        lineage_shape.add(lineage(part))
    records_schema, lineage_schema = records_shape.schema(), lineage_shape.schema()
    rows = 0
    with (
        parquet_writer_atomic(folder / "records.parquet", records_schema) as records,
        parquet_writer_atomic(folder / "lineage.parquet", lineage_schema) as lineages,
    ):
        for part in parts():
            if part.num_rows:
                records.write_table(conform(part, records_schema))
                lineages.write_table(conform(lineage(part), lineage_schema))
                rows += part.num_rows
    return rows


def lineage_table(
    kept: pa.Table,
    dataset: str,
    stage: str,
    version: str,
    seed: int,
    transformations: list[str],
    sources: list[str],
) -> pa.Table:
    """One lineage row per kept record (with `record_id`, `cycle` and `home_id`): the columns
    of `collector.lineage_rows`."""
    n = kept.num_rows

    def same(value, kind=None):
        return pa.repeat(pa.scalar(value, kind or pa.string()), n)

    return pa.table(
        {
            "record_id": kept.column("record_id"),
            "dataset": same(dataset),
            "cycle": kept.column("cycle"),
            "home_id": kept.column("home_id"),
            "stage": same(stage),
            "generator_version": same(version),
            "seed": same(int(seed), pa.int64()),
            "transformations": same(list(transformations), pa.list_(pa.string())),
            "sources": same(list(sources), pa.list_(pa.string())),
        }
    )


class PartedRecords:
    """A stage's kept records in part files (Arrow IPC, a part per unit of homes, in
    collection order) as they will be stored: record ids unique across cycles and the cycle
    added, lineage made per part. Consecutive parts of one group (the event shard whose homes
    they hold) are stored as one row group, so the files are the same bytes however many
    workers shared the shards out."""

    def __init__(
        self,
        parts: list[Path],
        groups: list[str],
        id_field: str,
        cycle: str,
        lineage: Callable[[pa.Table], pa.Table],
        keep: object = None,
    ) -> None:
        self.parts, self.groups = parts, groups
        self.id_field, self.cycle, self.lineage = id_field, cycle, lineage
        self.keep = keep  # what keeps the part files (a temporary directory)

    def tables(self) -> Iterator[pa.Table]:
        pairs = zip(self.groups, self.parts, strict=True)
        for _, group in itertools.groupby(pairs, key=lambda pair: pair[0]):
            tables = [read_part(path) for _, path in group]
            table = (
                tables[0]
                if len(tables) == 1
                else pa.concat_tables(tables, promote_options="permissive").combine_chunks()
            )
            yield with_record_id(table, self.id_field, self.cycle)

    def write(self, folder: Path) -> int:
        return write_in_parts(self.tables, folder, self.lineage)


def with_record_id(table: pa.Table, id_field: str, cycle: str) -> pa.Table:
    """`record_id` (`<cycle>/<id>`: home ids repeat from one cycle to the next) first in place
    of `id_field`, then `cycle`."""
    ids = pc.cast(table.column(id_field), pa.string())
    table = table.drop_columns([id_field])
    table = table.add_column(0, "record_id", pc.binary_join_element_wise(cycle + "/", ids, ""))
    return table.add_column(1, "cycle", pa.repeat(pa.scalar(cycle), table.num_rows))


def write_part(table: pa.Table, path: Path) -> Path:
    """A part as an Arrow IPC file (uncompressed: written and read back at memory speed)."""
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return path


def read_part(path: Path) -> pa.Table:
    with pa.OSFile(str(path), "rb") as source:
        return pa.ipc.open_file(source).read_all()
