"""What a production smart-home AI can see of a home: its registry (layout) and its event
stream, plus the region's weather. Ground truth is loaded separately (`HomeTruth`) and handed
only to the labeller, so no detector can read it by accident.

Events are kept as parallel numpy arrays sorted by time (stable, so the simulator's order of
simultaneous events is kept): entity and state as integer codes into per-home vocabularies.
State changes and automation runs are kept apart: `ts_ms`/`entity`/`state` are the state
changes, `runs` the `automation_triggered` events. What Home Assistant records of contexts is
visible, as it is to a real system: which state changes an automation run caused
(`auto_run`), and which state change triggered each run (`runs.parent_row`).
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

from homeiq_assets.readers import find_unreadable, read_table
from homeiq_assets.sim.ha_context import context_keys
from homeiq_assets.sim.tables import SCHEMAS, TableSource, table_dir

LAYOUT_TABLES = ("homes", "floors", "areas", "labels", "devices", "entities")
OBSERVED_TABLES = (*LAYOUT_TABLES, "events")
TRUTH_TABLES = ("gt_routines", "gt_synergies", "gt_occurrences")
REQUIRED_TABLES = (*OBSERVED_TABLES, *TRUTH_TABLES)
# simulator parameters of the `homes` row that a real system cannot see (labels, not features);
# every `gt_*` column is hidden as well
HIDDEN_HOME_FIELDS = ("home_type", "size_category", "household_archetype", "occupants")


class SourceError(ValueError):
    """The source folder is not (complete) simulator output."""


@dataclass
class AutomationRuns:
    """A home's `automation_triggered` events: when, which automation, and the state change
    whose context is the run's parent (index into the state changes, −1 for time triggers)."""

    ts_ms: np.ndarray
    automation: np.ndarray  # object array of automation entity ids
    parent_row: np.ndarray

    @staticmethod
    def empty() -> AutomationRuns:
        return AutomationRuns(np.zeros(0, np.int64), np.zeros(0, object), np.zeros(0, np.int64))

    def __len__(self) -> int:
        return int(self.ts_ms.size)


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
    auto_run: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # run or −1
    runs: AutomationRuns = field(default_factory=AutomationRuns.empty)
    _local_offset_ms: np.ndarray | None = field(default=None, repr=False)
    _entity_info: pd.DataFrame | None = field(default=None, repr=False)
    _by_entity: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

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

    def automated_pairs(self) -> set[tuple[str, str]]:
        """(trigger entity, action entity) pairs an automation already links, from the
        recorded contexts: a state change caused by a run whose parent is a trigger's change."""
        caused = np.flatnonzero(self.auto_run >= 0)
        if caused.size == 0:
            return set()
        parent = self.runs.parent_row[self.auto_run[caused]]
        has = parent >= 0
        trig = self.entity_ids[self.entity[parent[has]]]
        act = self.entity_ids[self.entity[caused[has]]]
        return set(zip(trig.tolist(), act.tolist(), strict=True))

    def entity_code(self, entity_id: str) -> int:
        hits = np.flatnonzero(self.entity_ids == entity_id)
        return int(hits[0]) if hits.size else -1

    def events_of(self, code: int) -> np.ndarray:
        """Positions of entity `code`'s events, ascending: `np.flatnonzero(entity == code)`
        from one stable sort of the home's events by entity (stages look up many entities)."""
        if self._by_entity is None:
            order = np.argsort(self.entity, kind="stable")
            bounds = np.searchsorted(self.entity[order], np.arange(len(self.entity_ids) + 1))
            self._by_entity = (order, bounds)
        order, bounds = self._by_entity
        return order[bounds[code] : bounds[code + 1]]

    def state_code(self, state: str) -> int:
        hits = np.flatnonzero(self.states == state)
        return int(hits[0]) if hits.size else -1

    def entity_info(self) -> pd.DataFrame:
        """Entities joined with their device's area, floor and type, indexed by entity_id
        (built once per home: three stages read it; read-only)."""
        if self._entity_info is None:
            self._entity_info = self._join_entity_info()
        return self._entity_info

    def _join_entity_info(self) -> pd.DataFrame:
        """The joins as positional lookups (device and area ids are unique keys; a pandas
        merge per home costs several times more), else the merges themselves."""
        devices, areas = pd.Index(self.devices["device_id"]), pd.Index(self.areas["area_id"])
        if not (devices.is_unique and areas.is_unique):
            return self._merge_entity_info()
        out = self.entities.reset_index(drop=True)
        on_device = devices.get_indexer(out["device_id"])
        for col, name in (
            ("area_id", "area_id"),
            ("device_type", "device_type"),
            ("name", "device_name"),
        ):
            out[name] = self.devices[col].array.take(on_device, allow_fill=True)
        in_area = areas.get_indexer(out["area_id"])
        for col, name in (("floor_id", "floor_id"), ("name", "area_name")):
            out[name] = self.areas[col].array.take(in_area, allow_fill=True)
        return out.set_index("entity_id")

    def _merge_entity_info(self) -> pd.DataFrame:
        dev = self.devices[["device_id", "area_id", "device_type", "name"]].rename(
            columns={"name": "device_name"}
        )
        out = self.entities.merge(dev, on="device_id", how="left")
        out = out.merge(self.areas[["area_id", "floor_id", "name"]], on="area_id", how="left")
        return out.rename(columns={"name_y": "area_name", "name_x": "name"}).set_index("entity_id")


@dataclass
class HomeTruth:
    """Ground truth of one home, aligned with `HomeObservations` event order (state changes;
    `run_cause`/`run_occurrence` for its automation runs)."""

    home_id: str
    gt_cause: np.ndarray  # object array, one per state change
    gt_occurrence: np.ndarray  # int32, one per state change
    routines: pd.DataFrame
    synergies: pd.DataFrame
    home_labels: dict = field(default_factory=dict)  # HIDDEN_HOME_FIELDS of this home
    occurrences: pd.DataFrame = field(default_factory=pd.DataFrame)
    run_cause: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    run_occurrence: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))

    @property
    def habits(self) -> pd.DataFrame:
        return self.routines[self.routines["kind"] == "habit"]

    @property
    def automations(self) -> pd.DataFrame:
        return self.routines[self.routines["kind"] == "automation"]


def _offsets_ms(ts_ms: np.ndarray, timezone: str) -> np.ndarray:
    """UTC offset of each timestamp, looked up per UTC hour (offsets only change on hours)."""
    if ts_ms.size == 0:
        return np.zeros(0, dtype=np.int64)
    tz = ZoneInfo(timezone)
    hour = ts_ms // 3_600_000
    first, last = int(hour.min()), int(hour.max())
    base = dt.datetime.fromtimestamp(first * 3600, tz=dt.UTC)

    def offset(i: int) -> int:
        return int((base + dt.timedelta(hours=i)).astimezone(tz).utcoffset().total_seconds() * 1000)

    # looked up every 24 hours, and hour by hour only across a day whose offset changes
    hours = last - first + 1
    starts = list(range(0, hours, 24))
    at_start = [offset(i) for i in starts] + [offset(hours - 1)]
    table = np.repeat(np.array(at_start[:-1], dtype=np.int64), 24)[:hours]
    for k, i in enumerate(starts):
        if at_start[k] != at_start[k + 1]:
            table[i : i + 24] = [offset(j) for j in range(i, min(i + 24, hours))]
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
    for table in tables:  # a truncated or foreign file is named before any work starts
        bad = find_unreadable(Path(table_dir(source, table)), SCHEMAS[table].names)
        if bad is not None:
            raise bad


def _read(source: TableSource, name: str, homes: list[str] | None = None) -> pa.Table:
    flt = ds.field("home_id").isin(homes) if homes is not None else None
    return read_table(Path(table_dir(source, name)), filter=flt)


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
    source: TableSource,
    homes: list[str] | None = None,
    with_truth: bool = True,
    shards: list[Path] | None = None,
    tables: FleetTables | None = None,
) -> Iterator[tuple[HomeObservations, HomeTruth | None]]:
    """Yield each requested home (all by default) with its ground truth.

    Layout and truth tables are small and read once; events are read one shard file at a time
    (the simulator keeps every home in exactly one shard), so memory stays flat however large
    the fleet. Within a shard, events are split per home without copying strings (dictionary
    codes are remapped per home). `shards` limits the reading to those event files (a worker's
    share; its `homes` must then be exactly theirs, or the homes without events). `tables`:
    the layout and truth tables of the whole fleet, already read (`read_tables`) from a source
    the caller has checked (`check_source`), so that the units of one collection read and check
    them once rather than once each.
    """
    if tables is None:  # (with `tables`, the caller has checked the source once for all)
        check_source(source, REQUIRED_TABLES if with_truth else OBSERVED_TABLES)
        tables = read_tables(source, homes, with_truth)
    # each home's rows are found in the fleet's tables (grouped once for all units)
    layout = {t: tables[t] for t in LAYOUT_TABLES}
    truth = {t: tables[t] for t in TRUTH_TABLES} if with_truth else {}
    by_home = tables.rows_by_home()
    columns = [
        "home_id",
        "ts",
        "event_type",
        "entity_id",
        "state",
        "context_id",
        "context_parent_id",
    ]
    if with_truth:
        columns += ["gt_cause", "gt_occurrence"]
    wanted = set(by_home["homes"]) if homes is None else set(by_home["homes"]) & set(homes)
    seen: set[str] = set()
    if shards is None:
        shards = sorted(Path(table_dir(source, "events")).glob("*.parquet"))
    for shard in shards:
        flt = ds.field("home_id").isin(sorted(wanted)) if homes is not None else None
        events = read_table(shard, columns=columns, filter=flt).unify_dictionaries()
        in_shard = set(pc.unique(pc.cast(events.column("home_id"), pa.string())).to_pylist())
        if in_shard & seen:
            raise SourceError(f"homes {sorted(in_shard & seen)[:3]} span several event shards")
        seen |= in_shard
        yield from _split_shard(
            events, sorted(in_shard & wanted), layout, truth, with_truth, by_home
        )
    # homes without a single event still exist
    for home_id in sorted(wanted - seen):
        binary = ("context_id", "context_parent_id")
        empty = pa.table(
            {c: pa.array([], type=pa.string()) for c in columns if c != "ts" and c not in binary}
            | {c: pa.array([], type=pa.binary(16)) for c in binary}
            | {"ts": pa.array([], type=pa.timestamp("ms", tz="UTC"))}
        ).select(columns)
        if with_truth:
            empty = empty.set_column(
                columns.index("gt_occurrence"), "gt_occurrence", pa.array([], pa.int32())
            )
        yield from _split_shard(empty, [home_id], layout, truth, with_truth, by_home)


class FleetTables(dict):
    """The layout (and truth) tables of a fleet by name, with each home's rows in them."""

    def rows_by_home(self) -> dict[str, dict[str, np.ndarray | slice]]:
        """Per table, each home's rows (`_rows_by_home`), grouped once: a collection's units
        (forked after this is built) look their homes up without filtering the tables."""
        if "_by_home" not in self.__dict__:
            self._by_home = {name: _rows_by_home(frame) for name, frame in self.items()}
        return self._by_home


def read_tables(
    source: TableSource, homes: list[str] | None = None, with_truth: bool = True
) -> FleetTables:
    """The layout (and truth) tables of the fleet (or of `homes`), as `iter_homes(tables=…)`
    takes them."""
    names = LAYOUT_TABLES + (TRUTH_TABLES if with_truth else ())
    return FleetTables({t: _plain(_read(source, t, homes)) for t in names})


def _split_shard(
    events: pa.Table,
    wanted: list[str],
    layout: dict[str, pd.DataFrame],
    truth: dict[str, pd.DataFrame],
    with_truth: bool,
    by_home: dict[str, dict[str, np.ndarray]],
) -> Iterator[tuple[HomeObservations, HomeTruth | None]]:
    """The homes of one events shard, in home-id order (`by_home`: each layout and truth
    table's row positions per home)."""
    # homes as integer ranks in id order (sorting integers, not strings, gives the same order)
    home_codes, home_vocab = _codes(events.column("home_id"))
    names, home_rank = np.unique(home_vocab.astype(str), return_inverse=True)
    home_key = home_rank.astype(np.int64).reshape(-1)[home_codes] if home_codes.size else home_codes
    ts_all = _ts(events)
    order = _home_time_order(home_key, ts_all)
    home_sorted = home_key[order]
    rank_of = {name: i for i, name in enumerate(names.tolist())}
    wanted_keys = [rank_of.get(h, -1) for h in wanted]
    starts = np.searchsorted(home_sorted, wanted_keys, side="left")
    ends = np.searchsorted(home_sorted, wanted_keys, side="right")
    ends = np.where(np.asarray(wanted_keys) < 0, starts, ends)
    ent_codes, ent_vocab = _codes(events.column("entity_id"))
    st_codes, st_vocab = _codes(events.column("state"))
    type_codes, type_vocab = _codes(events.column("event_type"))
    is_run_all = (
        type_vocab[type_codes] == "automation_triggered" if len(type_vocab) else type_codes > 0
    )
    ctx_all, _ = context_keys(events.column("context_id"))
    parent_all, has_parent_all = context_keys(events.column("context_parent_id"))
    if with_truth:
        cause_codes, cause_vocab = _codes(events.column("gt_cause"))
        occ_all = events.column("gt_occurrence").to_numpy().astype(np.int32)
    for home_id, lo, hi in zip(wanted, starts, ends, strict=True):
        rows = order[lo:hi]
        is_run = is_run_all[rows]
        idx, run_idx = rows[~is_run], rows[is_run]
        ent, ent_ids = _local(ent_codes[idx], ent_vocab)
        st, states = _local(st_codes[idx], st_vocab)
        auto_run, runs = _runs(
            ctx_all[idx],
            ctx_all[run_idx],
            np.where(has_parent_all[run_idx], parent_all[run_idx], 0),
            has_parent_all[run_idx],
            ts_all[run_idx],
            ent_vocab[ent_codes[run_idx]],
        )

        def part(name: str, home_id: str = home_id) -> pd.DataFrame:
            return _home_rows(layout[name], by_home[name], home_id)

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
            auto_run=auto_run,
            runs=runs,
        )
        home_truth = None
        if with_truth:
            routines, synergies = truth["gt_routines"], truth["gt_synergies"]
            occurrences = truth["gt_occurrences"]
            home_truth = HomeTruth(
                home_id=home_id,
                gt_cause=cause_vocab[cause_codes[idx]],
                gt_occurrence=occ_all[idx],
                routines=_home_rows(routines, by_home["gt_routines"], home_id),
                synergies=_home_rows(synergies, by_home["gt_synergies"], home_id),
                home_labels=hidden,
                occurrences=_home_rows(occurrences, by_home["gt_occurrences"], home_id),
                run_cause=cause_vocab[cause_codes[run_idx]],
                run_occurrence=occ_all[run_idx],
            )
        yield obs, home_truth


def _rows_by_home(frame: pd.DataFrame) -> dict[str, np.ndarray | slice]:
    """Row positions of each home in a table (in table order), grouped once per table rather
    than compared string by string for every home: a slice where they are one run of rows
    (the simulator writes a home's rows together), taken without copying."""
    if not len(frame) or "home_id" not in frame:
        return {}
    return {
        home: slice(int(rows[0]), int(rows[-1]) + 1)
        if rows[-1] - rows[0] + 1 == rows.size
        else rows
        for home, rows in frame.groupby("home_id", sort=False).indices.items()
    }


def _home_rows(frame: pd.DataFrame, rows_by_home: dict, home_id: str) -> pd.DataFrame:
    """One home's rows, renumbered from 0 (pandas copies on write: a slice shares the table's
    memory until either is changed)."""
    rows = rows_by_home.get(home_id, slice(0, 0))
    return frame.iloc[rows].reset_index(drop=True)


def _runs(
    state_ctx: np.ndarray,
    run_ctx: np.ndarray,
    run_parent: np.ndarray,
    run_has_parent: np.ndarray,
    run_ts: np.ndarray,
    run_entity: np.ndarray,
) -> tuple[np.ndarray, AutomationRuns]:
    """Link a home's state changes to the automation runs through their contexts: the run each
    change was caused by (its context is the run's), and each run's triggering change."""
    auto_run = np.full(state_ctx.size, -1, np.int32)
    parent_row = np.full(run_ctx.size, -1, np.int64)
    if run_ctx.size and state_ctx.size:
        # the changes' distinct contexts (a change an automation caused carries its run's),
        # hashed once: each context's first change, and the first run that has it
        codes, contexts = pd.factorize(state_ctx)
        index = pd.Index(contexts)
        first = np.empty(contexts.size, np.int64)
        first[codes[::-1]] = np.arange(state_ctx.size - 1, -1, -1)
        run_at = index.get_indexer(run_ctx)
        has = np.flatnonzero(run_at >= 0)
        run_of = np.full(contexts.size, -1, np.int32)
        run_of[run_at[has][::-1]] = has[::-1]
        auto_run = run_of[codes]
        at = index.get_indexer(run_parent)
        found = run_has_parent & (at >= 0)
        parent_row[found] = first[at[found]]
    runs = AutomationRuns(run_ts, np.asarray(run_entity, dtype=object), parent_row)
    return auto_run, runs


def _ts(events: pa.Table) -> np.ndarray:
    return events.column("ts").combine_chunks().cast(pa.int64()).to_numpy()


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and vocabulary of a (possibly dictionary-encoded, chunked) column."""
    arr = column.combine_chunks()  # chunks share one dictionary after unify_dictionaries
    if pa.types.is_dictionary(arr.type):
        codes = arr.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int32)
        vocab = np.asarray(arr.dictionary.to_pylist(), dtype=object)
        return codes, vocab
    encoded = pc.dictionary_encode(arr)
    return (
        encoded.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int32),
        np.asarray(encoded.dictionary.to_pylist(), dtype=object),
    )


def _home_time_order(home_key: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Positions of the events by home, then time, ties in file order (a stable sort): as
    they are where the file is already in that order (the simulator writes it so)."""
    step = np.diff(home_key)
    if np.all((step > 0) | ((step == 0) & (np.diff(ts) >= 0))):
        return np.arange(home_key.size)
    return np.lexsort((np.arange(home_key.size), ts, home_key))


def _local(codes: np.ndarray, vocab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remap global codes to a compact per-home vocabulary (the codes used, ascending, as
    `np.unique(codes, return_inverse=True)` gives them, without sorting the events)."""
    present = np.zeros(len(vocab), bool)
    present[codes] = True
    rank = np.cumsum(present, dtype=np.int32) - 1
    return rank[codes], vocab[present]
