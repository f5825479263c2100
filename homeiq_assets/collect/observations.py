"""What a production smart-home AI can see of a home: its registry (layout) and its event
stream, plus the region's weather. Ground truth is loaded separately (`HomeTruth`) and handed
only to the labeller, so no detector can read it by accident.

Events are kept as parallel numpy arrays sorted by time (stable, so the simulator's order of
simultaneous events is kept): entity and state as integer codes into per-home vocabularies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from homeiq_assets.sim.tables import TableSource, table_dir

LAYOUT_TABLES = ("homes", "floors", "areas", "labels", "devices", "entities")
OBSERVED_TABLES = (*LAYOUT_TABLES, "events")
TRUTH_TABLES = ("gt_routines", "gt_synergies")
REQUIRED_TABLES = (*OBSERVED_TABLES, *TRUTH_TABLES)
# simulator parameters of the `homes` row that a real system cannot see (labels, not features);
# every `gt_*` column is hidden as well
HIDDEN_HOME_FIELDS = ("home_type", "size_category", "household_archetype", "occupants")


class SourceError(ValueError):
    """The source folder is not (complete) simulator output."""


@dataclass
class HomeObservations:
    """One home as the AI sees it."""

    home_id: str
    home: dict
    floors: pd.DataFrame
    areas: pd.DataFrame
    labels: pd.DataFrame
    devices: pd.DataFrame
    entities: pd.DataFrame
    ts_ms: np.ndarray  # int64, sorted
    entity: np.ndarray  # int32 code into entity_ids
    state: np.ndarray  # int32 code into states
    entity_ids: np.ndarray  # object array of entity id strings
    states: np.ndarray  # object array of state strings
    _local_offset_ms: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_events(self) -> int:
        return int(self.ts_ms.size)

    @property
    def timezone(self) -> str:
        return str(self.home["timezone"])

    @property
    def window_days(self) -> float:
        if self.ts_ms.size == 0:
            return 0.0
        return max((int(self.ts_ms[-1]) - int(self.ts_ms[0])) / 86_400_000, 1.0)

    def local_ms(self) -> np.ndarray:
        """Local wall-clock time of each event in ms since the epoch (DST-aware per hour)."""
        if self._local_offset_ms is None:
            self._local_offset_ms = _offsets_ms(self.ts_ms, self.timezone)
        return self.ts_ms + self._local_offset_ms

    def entity_code(self, entity_id: str) -> int:
        hits = np.flatnonzero(self.entity_ids == entity_id)
        return int(hits[0]) if hits.size else -1

    def state_code(self, state: str) -> int:
        hits = np.flatnonzero(self.states == state)
        return int(hits[0]) if hits.size else -1

    def entity_info(self) -> pd.DataFrame:
        """Entities joined with their device's area, floor and type, indexed by entity_id."""
        dev = self.devices[["device_id", "area_id", "device_type", "name"]].rename(
            columns={"name": "device_name"}
        )
        out = self.entities.merge(dev, on="device_id", how="left")
        out = out.merge(self.areas[["area_id", "floor_id", "name"]], on="area_id", how="left")
        return out.rename(columns={"name_y": "area_name", "name_x": "name"}).set_index("entity_id")


@dataclass
class HomeTruth:
    """Ground truth of one home, aligned with `HomeObservations` event order."""

    home_id: str
    gt_cause: np.ndarray  # object array, one per event
    gt_occurrence: np.ndarray  # int32, one per event
    routines: pd.DataFrame
    synergies: pd.DataFrame
    home_labels: dict = field(default_factory=dict)  # HIDDEN_HOME_FIELDS of this home


def _offsets_ms(ts_ms: np.ndarray, timezone: str) -> np.ndarray:
    """UTC offset of each timestamp, looked up per UTC hour (offsets only change on hours)."""
    if ts_ms.size == 0:
        return np.zeros(0, dtype=np.int64)
    tz = ZoneInfo(timezone)
    hour = ts_ms // 3_600_000
    first, last = int(hour.min()), int(hour.max())
    base = dt.datetime.fromtimestamp(first * 3600, tz=dt.UTC)
    table = np.array(
        [
            (base + dt.timedelta(hours=i)).astimezone(tz).utcoffset().total_seconds() * 1000
            for i in range(last - first + 1)
        ],
        dtype=np.int64,
    )
    return table[hour - first]


def check_source(source: TableSource, tables: tuple[str, ...] = REQUIRED_TABLES) -> None:
    """Refuse a folder that is not simulator output before any work starts."""
    missing = [t for t in tables if not any(Path(table_dir(source, t)).glob("*.parquet"))]
    if missing:
        where = source if not callable(source) else "the data store"
        raise SourceError(
            f"{where} is not simulator output: missing table(s) {', '.join(missing)} "
            "(write one with `homeiq generate --out DIR`)"
        )


def _read(source: TableSource, name: str, homes: list[str] | None = None) -> pa.Table:
    dataset = ds.dataset(table_dir(source, name), format="parquet")
    flt = ds.field("home_id").isin(homes) if homes is not None else None
    return dataset.to_table(filter=flt)


def _plain(table: pa.Table) -> pd.DataFrame:
    """pandas frame with dictionary columns decoded to plain strings."""
    cols = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        cols[name] = col
    return pa.table(cols).to_pandas()


def home_ids(source: TableSource) -> list[str]:
    homes = _read(source, "homes").column("home_id").to_pylist()
    return sorted(homes)


def iter_homes(
    source: TableSource, homes: list[str] | None = None, with_truth: bool = True
) -> Iterator[tuple[HomeObservations, HomeTruth | None]]:
    """Yield each requested home (all by default) with its ground truth.

    Layout and truth tables are small and read once; events are read one shard file at a time
    (the simulator keeps every home in exactly one shard), so memory stays flat however large
    the fleet. Within a shard, events are split per home without copying strings (dictionary
    codes are remapped per home).
    """
    check_source(source, REQUIRED_TABLES if with_truth else OBSERVED_TABLES)
    layout = {t: _plain(_read(source, t, homes)) for t in LAYOUT_TABLES}
    truth = {t: _plain(_read(source, t, homes)) for t in TRUTH_TABLES} if with_truth else {}
    columns = ["home_id", "ts", "entity_id", "state"]
    if with_truth:
        columns += ["gt_cause", "gt_occurrence"]
    wanted = set(layout["homes"]["home_id"])
    seen: set[str] = set()
    for shard in sorted(Path(table_dir(source, "events")).glob("*.parquet")):
        dataset = ds.dataset(shard, format="parquet")
        flt = ds.field("home_id").isin(sorted(wanted)) if homes is not None else None
        events = dataset.to_table(columns=columns, filter=flt).unify_dictionaries()
        in_shard = set(pc.unique(pc.cast(events.column("home_id"), pa.string())).to_pylist())
        if in_shard & seen:
            raise SourceError(f"homes {sorted(in_shard & seen)[:3]} span several event shards")
        seen |= in_shard
        yield from _split_shard(events, sorted(in_shard & wanted), layout, truth, with_truth)
    # homes without a single event still exist
    for home_id in sorted(wanted - seen):
        empty = pa.table(
            {c: pa.array([], type=pa.string()) for c in columns if c != "ts"}
            | {"ts": pa.array([], type=pa.timestamp("ms", tz="UTC"))}
        ).select(columns)
        if with_truth:
            empty = empty.set_column(
                columns.index("gt_occurrence"), "gt_occurrence", pa.array([], pa.int32())
            )
        yield from _split_shard(empty, [home_id], layout, truth, with_truth)


def _split_shard(
    events: pa.Table,
    wanted: list[str],
    layout: dict[str, pd.DataFrame],
    truth: dict[str, pd.DataFrame],
    with_truth: bool,
) -> Iterator[tuple[HomeObservations, HomeTruth | None]]:
    """The homes of one events shard, in home-id order."""
    home_col = pc.cast(events.column("home_id"), pa.string()).to_numpy(zero_copy_only=False)
    order = np.lexsort((np.arange(len(home_col)), _ts(events), home_col))
    home_sorted = home_col[order]
    starts = np.searchsorted(home_sorted, wanted, side="left")
    ends = np.searchsorted(home_sorted, wanted, side="right")
    ts_all = _ts(events)
    ent_codes, ent_vocab = _codes(events.column("entity_id"))
    st_codes, st_vocab = _codes(events.column("state"))
    if with_truth:
        cause_codes, cause_vocab = _codes(events.column("gt_cause"))
        occ_all = events.column("gt_occurrence").to_numpy().astype(np.int32)
    for home_id, lo, hi in zip(wanted, starts, ends, strict=True):
        idx = order[lo:hi]
        ent, ent_ids = _local(ent_codes[idx], ent_vocab)
        st, states = _local(st_codes[idx], st_vocab)

        def part(name: str, home_id: str = home_id) -> pd.DataFrame:
            frame = layout[name]
            return frame[frame["home_id"] == home_id].reset_index(drop=True)

        home_row = part("homes").iloc[0].to_dict()
        hidden = {
            k: home_row.pop(k)
            for k in [*HIDDEN_HOME_FIELDS, *(c for c in home_row if c.startswith("gt_"))]
            if k in home_row
        }
        obs = HomeObservations(
            home_id=home_id,
            home=home_row,
            floors=part("floors"),
            areas=part("areas"),
            labels=part("labels"),
            devices=part("devices"),
            entities=part("entities"),
            ts_ms=ts_all[idx],
            entity=ent,
            state=st,
            entity_ids=ent_ids,
            states=states,
        )
        home_truth = None
        if with_truth:
            routines, synergies = truth["gt_routines"], truth["gt_synergies"]
            home_truth = HomeTruth(
                home_id=home_id,
                gt_cause=cause_vocab[cause_codes[idx]],
                gt_occurrence=occ_all[idx],
                routines=routines[routines["routine_id"].str.startswith(home_id + ".")]
                .reset_index(drop=True)
                .copy(),
                synergies=synergies[synergies["home_id"] == home_id].reset_index(drop=True),
                home_labels=hidden,
            )
        yield obs, home_truth


def _ts(events: pa.Table) -> np.ndarray:
    return events.column("ts").combine_chunks().cast(pa.int64()).to_numpy()


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and vocabulary of a (possibly dictionary-encoded, chunked) column."""
    arr = column.combine_chunks()  # chunks share one dictionary after unify_dictionaries
    if pa.types.is_dictionary(arr.type):
        codes = arr.indices.to_numpy(zero_copy_only=False).astype(np.int32)
        vocab = np.asarray(arr.dictionary.to_pylist(), dtype=object)
        return codes, vocab
    encoded = pc.dictionary_encode(arr)
    return (
        encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32),
        np.asarray(encoded.dictionary.to_pylist(), dtype=object),
    )


def _local(codes: np.ndarray, vocab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remap global codes to a compact per-home vocabulary."""
    used, local = np.unique(codes, return_inverse=True)
    return local.astype(np.int32), vocab[used]
