"""The collector: registered collection points run over every home, their records labelled,
validated, quality-filtered and given record-level lineage.

A collection point reads observations (and the records of earlier points); only its `label`
step sees ground truth. Stages run in registration order so suggestions can build on the
patterns and synergies found before them.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from homeiq_assets.collect import (
    home_profile,
    labels,
    patterns,
    separability,
    suggestions,
    synergies,
)
from homeiq_assets.collect.ask_ai import conversations as ask_ai
from homeiq_assets.collect.observations import (
    REQUIRED_TABLES,
    HomeObservations,
    HomeTruth,
    SourceError,
    check_source,
    home_ids,
    iter_homes,
    read_tables,
)
from homeiq_assets.collect.parted import PartedRecords, lineage_table, read_part, write_part
from homeiq_assets.collect.records import validate_records
from homeiq_assets.sim.rng import derive_rng
from homeiq_assets.sim.tables import TableDirs, TableSource, table_dir
from homeiq_assets.workers import forked_pool

LABELLER_VERSION = "labeller-2"
QUALITY_VERSION = "quality-1"
MIN_PATTERN_OCCURRENCES = 5
# routine-check rows gathered from the units before the parent checks them in one pass (a
# 50-home cycle has 66k: a pass holds its rows and their merges, so they are kept few)
AGREEMENT_ROWS = 50_000

Context = dict[str, object]


@dataclass(frozen=True)
class CollectionPoint:
    """One detection stage the production AI runs, and how its output is labelled."""

    stage: str
    dataset: str  # the model-type dataset its records feed
    version: str
    id_field: str
    run: Callable[[HomeObservations, Context, np.random.Generator], list[dict]]
    label: Callable[[list[dict], HomeTruth, Context], None]
    quality: Callable[[dict], str | None]  # the reason a record is dropped, or None


REGISTRY: dict[str, CollectionPoint] = {}


def register(point: CollectionPoint) -> CollectionPoint:
    if point.stage in REGISTRY:
        raise ValueError(f"collection point {point.stage!r} is already registered")
    REGISTRY[point.stage] = point
    return point


# ----------------------------------------------------------------------- collection points
def _run_patterns(obs: HomeObservations, ctx: Context, rng) -> list[dict]:
    detected = patterns.detect_patterns(obs)
    ctx["pattern_occurrences"] = detected
    return detected.records


def _label_patterns(records: list[dict], truth: HomeTruth, ctx: Context) -> None:
    labels.label_patterns(ctx["pattern_occurrences"], truth)


def _run_synergies(obs: HomeObservations, ctx: Context, rng) -> list[dict]:
    ctx["extra.synergies.nodes"] = synergies.device_nodes(obs)
    return synergies.detect_synergies(obs)


def _label_synergies(records: list[dict], truth: HomeTruth, ctx: Context) -> None:
    labels.label_synergies(records, truth)


def _run_suggestions(obs: HomeObservations, ctx: Context, rng) -> list[dict]:
    return suggestions.generate_suggestions(obs, ctx["patterns"], ctx["synergies"])


def _label_suggestions(records: list[dict], truth: HomeTruth, ctx: Context) -> None:
    suggestions.label_suggestions(records, ctx["patterns"], ctx["synergies"])


def _run_ask_ai(obs: HomeObservations, ctx: Context, rng) -> list[dict]:
    return ask_ai.generate_ask_ai(obs, rng)


def _label_ask_ai(records: list[dict], truth: HomeTruth, ctx: Context) -> None:
    ask_ai.label_ask_ai(records, truth)


def _run_home_profile(obs: HomeObservations, ctx: Context, rng) -> list[dict]:
    return home_profile.home_profile(obs)


def _label_home_profile(records: list[dict], truth: HomeTruth, ctx: Context) -> None:
    for rec in records:
        rec["gt_home_type"] = truth.home_labels.get("home_type")


def _home_profile_quality(rec: dict) -> str | None:
    return "no_activity" if rec["events_per_day"] <= 0 else None


def _pattern_quality(rec: dict) -> str | None:
    """Too rare to judge, or produced by an existing automation (the recorded contexts say so:
    reported apart in the detector metrics, not a habit to learn or suggest)."""
    if rec["occurrences"] < MIN_PATTERN_OCCURRENCES:
        return "below_min_support"
    return "already_automated" if rec.get("automated") else None


def _synergy_quality(rec: dict) -> str | None:
    if rec["trigger_events"] == 0 or rec["action_events"] == 0:
        return "silent_device"
    return None


def _suggestion_quality(rec: dict) -> str | None:
    return None if rec["yaml_valid"] else "invalid_yaml"


def _ask_ai_quality(rec: dict) -> str | None:
    return None if rec.get("answer_yaml") else "no_answer"


register(
    CollectionPoint(
        "patterns",
        "pattern_detection",
        patterns.DETECTOR_VERSION,
        "pattern_id",
        _run_patterns,
        _label_patterns,
        _pattern_quality,
    )
)
register(
    CollectionPoint(
        "synergies",
        "synergy_gnn",
        synergies.DETECTOR_VERSION,
        "pair_id",
        _run_synergies,
        _label_synergies,
        _synergy_quality,
    )
)
register(
    CollectionPoint(
        "suggestions",
        "yaml_generation",
        suggestions.GENERATOR_VERSION,
        "suggestion_id",
        _run_suggestions,
        _label_suggestions,
        _suggestion_quality,
    )
)
register(
    CollectionPoint(
        "home_profile",
        "home_type",
        home_profile.GENERATOR_VERSION,
        "profile_id",
        _run_home_profile,
        _label_home_profile,
        _home_profile_quality,
    )
)
register(
    CollectionPoint(
        "ask_ai",
        "ask_ai",
        ask_ai.GENERATOR_VERSION,
        "record_id",
        _run_ask_ai,
        _label_ask_ai,
        _ask_ai_quality,
    )
)


# ------------------------------------------------------------------------------ running
@dataclass
class StageOutput:
    """Labelled records of one stage over a fleet, before validation and filtering (or, for a
    compacted stage, already curated where they were collected: `compact`)."""

    stage: str
    records: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    extras: dict[str, list[dict]] = field(default_factory=dict)
    compact: CompactRecords | None = None


# what the detector metrics read of a compacted stage's records (before filtering)
METRIC_VIEWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "patterns": ("strong", ("strong", "automated", "gt_real", "gt_habit_id", "gt_automation_id")),
}


@dataclass
class CompactRecords:
    """A stage's records validated and quality-filtered in the process that collected them:
    the kept records as Arrow part files (a unit's each, in collection order), the counts
    `curate` reports, and the few fields of the records the detector metrics read. Dicts of a
    100-home cycle's patterns take hundreds of MB, the same records in Arrow tens; on disk they
    cost the cycle no memory at all, so it stays flat as homes grow."""

    parts: list[Path] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # each part's event shard
    collected: int = 0
    valid: int = 0
    kept: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    metric_records: list[dict] = field(default_factory=list)
    spool: object = None  # what keeps the part files (removed with it)

    def extend(self, other: CompactRecords) -> None:
        """Append a later unit's records (counts summed, keys in order of first appearance)."""
        self.parts.extend(other.parts)
        self.groups.extend(other.groups)
        self.collected += other.collected
        self.valid += other.valid
        self.kept += other.kept
        for mine, theirs in ((self.failures, other.failures), (self.dropped, other.dropped)):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n
        self.metric_records.extend(other.metric_records)

    def frame(self) -> pd.DataFrame:
        """The kept records as one frame, as `pd.DataFrame(kept records)` infers it: columns in
        order of first appearance, a type for the whole column (null-only parts promoted)."""
        if not self.parts:
            return pd.DataFrame()
        tables = [read_part(p) for p in self.parts]
        return pa.concat_tables(tables, promote_options="permissive").to_pandas()


def compact_records(stage: str, records: list[dict], part: Path, group: str = "") -> CompactRecords:
    """Validate and quality-filter one unit's records of `stage` (see `curate`), the kept ones
    written to `part` (of `group`: the unit's event shard)."""
    kept, dropped, valid, failures = _filter(stage, records)
    flag, fields = METRIC_VIEWS[stage]
    parts = []
    if kept:
        table = pa.Table.from_pandas(pd.DataFrame(kept), preserve_index=False)
        parts.append(write_part(table, part))
    return CompactRecords(
        parts,
        [group] * len(parts),
        len(records),
        len(valid),
        len(kept),
        failures,
        dropped,
        [{f: r[f] for f in fields} for r in records if r[flag]],
    )


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """A stage's stored records (a frame read back) as the dicts it produced: each row one,
    a missing value None rather than NaN. The values of
    `frame.astype(object).where(frame.notna(), None).to_dict("records")`, a column at a time
    (three times faster on a cycle's patterns)."""
    names = list(frame.columns)
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


@dataclass
class FleetCollection:
    stages: dict[str, StageOutput]
    metrics: dict[str, object]
    homes: int
    seconds: float


def collect_fleet(
    source: TableSource,
    seed: int,
    stages: tuple[str, ...] | None = None,
    homes: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    upstream: dict[str, list[dict]] | None = None,
    workers: int = 1,
    compact: tuple[str, ...] = (),
    on_started: Callable[[], None] | None = None,
) -> FleetCollection:
    """Run the registered collection points (all, or `stages` and what they need) per home.

    `upstream` supplies records of earlier stages already collected (e.g. by another Dagster
    asset), so they are not detected again. With `workers` > 1 the event shards are collected
    in worker processes and merged in the order one process would produce them (shards in
    name order, homes in id order, homes without events last), so the records are the same
    bytes whatever the number of workers.

    Stages in `compact` (see `METRIC_VIEWS`) are validated and filtered in the process that
    collects them and come back as `StageOutput.compact`, so the parent never holds their dicts
    (a cycle's memory stays flat as its homes grow).

    `on_started` is called once the work is under way and the worker processes exist: a thread
    the caller starts then (other work of the cycle) is never forked with them.
    """
    given = upstream or {}
    wanted = list(REGISTRY) if stages is None else _with_dependencies(stages, set(given))
    given_by_home = {
        stage: _by_home(records) for stage, records in given.items() if stage not in wanted
    }
    unknown = set(compact) - set(METRIC_VIEWS)
    if unknown:
        raise ValueError(f"stage(s) {', '.join(sorted(unknown))} cannot be compacted")
    compact = tuple(s for s in wanted if s in compact)
    # the compacted stages' part files, removed once the collection's records are dropped
    spool = tempfile.TemporaryDirectory(prefix="homeiq-collect-") if compact else None
    out = {
        s: StageOutput(s, compact=CompactRecords(spool=spool) if s in compact else None)
        for s in wanted
    }
    agreement = {"occurrences": 0, "agreeing": 0}
    routines: list[pd.DataFrame] = []
    started = time.perf_counter()
    n_done = 0
    check_source(source)  # a folder that is not simulator output fails before any work

    def merge(result: _HomeResult) -> None:
        nonlocal n_done
        for stage in wanted:
            out[stage].records.extend(result.records[stage])
            for name, rows in result.extras[stage].items():
                out[stage].extras.setdefault(name, []).extend(rows)
            out[stage].seconds += result.seconds[stage]
        if result.routines is not None:
            routines.append(result.routines)
        n_done += 1
        if progress is not None:
            progress(n_done, total)

    units = _work_units(source, homes, split_last=workers if workers > 1 else 0)
    total = sum(len(unit_homes) for _, unit_homes in units)
    if workers > 1 and len(units) > 1:
        source = TableDirs.of(source, REQUIRED_TABLES)
    # the layout and truth tables read once for every unit (workers fork after this)
    token = f"{id(out)}:{time.perf_counter_ns()}"
    _FLEET_TABLES[token] = read_tables(source, homes)
    jobs = [
        (
            source,
            seed,
            wanted,
            _given_for(given_by_home, unit_homes),
            unit_homes,
            shards,
            token,
            compact,
            Path(spool.name) / f"unit-{i:05d}" if spool is not None else None,
        )
        for i, (shards, unit_homes) in enumerate(units)
    ]
    if workers > 1 and len(units) > 1:
        pool = forked_pool(min(workers, len(jobs)))
        unit_results = pool.map(_collect_unit, jobs)
    else:
        pool, unit_results = None, map(_collect_unit, jobs)
    if on_started is not None:
        on_started()
    pending: list[labels.AgreementEvents] = []

    def check_routines() -> None:
        """The routine check of the units received since the last (one pandas pass for many
        units: most of its cost is per pass)."""
        nonlocal agreement
        truth = _FLEET_TABLES[token]
        homes_of = {h for part in pending for h in part.homes}
        counts = labels.agreement_of(
            pending,
            *(
                truth[t][truth[t]["home_id"].isin(homes_of)]
                for t in ("gt_routines", "gt_occurrences")
            ),
        )
        agreement = {k: agreement[k] + counts[k] for k in agreement}
        pending.clear()

    try:
        for results, unit_events, parts in unit_results:
            for result in results:
                merge(result)
            for stage, part in parts.items():
                out[stage].compact.extend(part)
            if unit_events is not None:
                pending.append(unit_events)
                if sum(len(p.events) for p in pending if p.events is not None) >= AGREEMENT_ROWS:
                    check_routines()
        check_routines()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        _FLEET_TABLES.pop(token, None)
    metrics = detector_metrics(out, routines, agreement)
    return FleetCollection(out, metrics, n_done, time.perf_counter() - started)


@dataclass
class _HomeResult:
    """One home's labelled records per stage (and what the detector metrics need)."""

    records: dict[str, list[dict]]
    extras: dict[str, dict[str, list[dict]]]
    seconds: dict[str, float]
    routines: pd.DataFrame | None = None


def _collect_home(
    obs: HomeObservations,
    truth: HomeTruth,
    wanted: list[str],
    given_by_home: dict[str, dict[str, list[dict]]],
    seed: int,
) -> _HomeResult:
    ctx: Context = {stage: recs.get(obs.home_id, []) for stage, recs in given_by_home.items()}
    result = _HomeResult({}, {}, {})
    for stage in wanted:
        point = REGISTRY[stage]
        t0 = time.perf_counter()
        rng = derive_rng(seed, obs.home_id, f"collect.{stage}")
        records = point.run(obs, ctx, rng)
        point.label(records, truth, ctx)
        ctx[stage] = records
        result.records[stage] = records
        result.extras[stage] = dict(_extras(ctx, stage))
        result.seconds[stage] = time.perf_counter() - t0
    if "patterns" in wanted:
        result.routines = truth.routines
    return result


def _work_units(
    source: TableSource, homes: list[str] | None, split_last: int = 0
) -> list[tuple[list[Path], list]]:
    """(event shards, homes) a worker collects, in the order one process visits them: a unit
    per shard, the last `split_last` shards in halves. Each unit costs its worker a fixed
    pandas overhead (the truth tables cut to its homes, one routine check), so units are as
    large as they can be; halves at the end let the workers finish together."""
    fleet = set(home_ids(source))
    wanted = fleet if homes is None else fleet & set(homes)
    shards: list[tuple[Path, list[str]]] = []
    seen: set[str] = set()
    for shard in sorted(Path(table_dir(source, "events")).glob("*.parquet")):
        column = pq.read_table(shard, columns=["home_id"]).column("home_id")
        in_shard = set(pc.unique(pc.cast(column, pa.string())).to_pylist())
        if in_shard & seen:
            raise SourceError(f"homes {sorted(in_shard & seen)[:3]} span several event shards")
        seen |= in_shard
        if in_shard & wanted:
            shards.append((shard, sorted(in_shard & wanted)))
    units: list[tuple[list[Path], list[str]]] = []
    for i, (shard, mine) in enumerate(shards):
        pieces = min(2 if i >= len(shards) - split_last else 1, len(mine))
        for k in range(pieces):
            units.append(([shard], mine[k * len(mine) // pieces : (k + 1) * len(mine) // pieces]))
    if wanted - seen:
        units.append(([], sorted(wanted - seen)))  # homes without a single event
    return units


def _given_for(
    given_by_home: dict[str, dict[str, list[dict]]], homes: list[str]
) -> dict[str, dict[str, list[dict]]]:
    return {
        stage: {h: by_home[h] for h in homes if h in by_home}
        for stage, by_home in given_by_home.items()
    }


# fleet-wide layout and truth tables of the collections under way in this process, by token
_FLEET_TABLES: dict[str, dict[str, pd.DataFrame]] = {}


def _collect_unit(
    job: tuple,
) -> tuple[list[_HomeResult], labels.AgreementEvents | None, dict[str, CompactRecords]]:
    """The homes of one shard (or the homes without events), in iteration order, what the
    routine check reads of their events (with the pattern stage) and the compacted stages'
    records of all of them."""
    source, seed, wanted, given_by_home, homes, shards, token, compact, spool_name = job
    results, seen = [], []
    tables = _FLEET_TABLES.get(token)  # inherited by forked workers; else each unit reads
    for obs, truth in iter_homes(source, homes, shards=shards, tables=tables):
        results.append(_collect_home(obs, truth, wanted, given_by_home, seed))
        seen.append((obs, truth))
    # what the routine check reads of these homes, checked in the parent with other units'
    events = labels.agreement_events_of(seen) if "patterns" in wanted else None
    parts = {}
    for stage in compact:
        records = [r for res in results for r in res.records[stage]]
        part = Path(f"{spool_name}-{stage}.arrow")
        parts[stage] = compact_records(stage, records, part, shards[0].name if shards else "")
        for res in results:
            res.records[stage] = []
    return results, events, parts


def _extras(ctx: Context, stage: str):
    """Side tables a stage left in the context as `extra.<stage>.<name>` (e.g. graph nodes)."""
    prefix = f"extra.{stage}."
    for key in [k for k in ctx if k.startswith(prefix)]:
        yield key[len(prefix) :], ctx.pop(key)


def _by_home(records: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for rec in records:
        out.setdefault(rec["home_id"], []).append(rec)
    return out


def _with_dependencies(stages: tuple[str, ...], given: set[str] = frozenset()) -> list[str]:
    needed = set(stages)
    if "suggestions" in needed:
        needed |= {"patterns", "synergies"} - given
    unknown = needed - set(REGISTRY)
    if unknown:
        raise ValueError(f"unknown collection stage(s): {', '.join(sorted(unknown))}")
    return [s for s in REGISTRY if s in needed]


def detector_metrics(
    out: dict[str, StageOutput], routines: list[pd.DataFrame], agreement: dict
) -> dict[str, object]:
    """Each detector's precision/recall against ground truth, with counts."""
    metrics: dict[str, object] = {}
    if "patterns" in out:
        all_routines = pd.concat(routines, ignore_index=True) if routines else pd.DataFrame()
        pats = out["patterns"]
        metrics["patterns"] = labels.pattern_scores(
            pats.records if pats.compact is None else pats.compact.metric_records,
            all_routines,
            MIN_PATTERN_OCCURRENCES,
        )
        metrics["routine_agreement"] = {
            **agreement,
            "share": round(agreement["agreeing"] / agreement["occurrences"], 4)
            if agreement["occurrences"]
            else 0.0,
        }
    if "synergies" in out:
        recs = out["synergies"].records
        metrics["synergy_rule_baseline"] = labels.binary_scores(
            [r["rule_linked"] for r in recs], [r["gt_linked"] for r in recs]
        )
        metrics["synergy_candidates_automated"] = sum(r["gt_automated"] for r in recs)
        frame = pd.DataFrame(recs)
        if not frame.empty:
            metrics["synergy_separability"] = separability.single_feature_auc(frame)
            metrics["synergy_incidental_cooccurrence"] = separability.incidental_cooccurrence(frame)
        present = {r["relationship"] for r in recs}
        metrics["synergy_relationships"] = sorted(present)
    if "suggestions" in out:
        recs = out["suggestions"].records
        metrics["suggestions"] = {
            "n": len(recs),
            "yaml_valid": sum(r["yaml_valid"] for r in recs),
            "matches_habit": sum(r["gt_matches_habit"] for r in recs),
            "distinct_text_share": _distinct([r["text"] for r in recs]),
        }
    if "ask_ai" in out:
        recs = out["ask_ai"].records
        metrics["ask_ai"] = {
            "n": len(recs),
            "approved": sum(bool(r["approved"]) for r in recs),
            "yaml_valid": sum(bool(r["yaml_valid"]) for r in recs),
            "distinct_request_share": _distinct([r["request"] for r in recs]),
        }
    return metrics


def _distinct(texts: list[str]) -> float:
    return round(len(set(texts)) / len(texts), 4) if texts else 0.0


# --------------------------------------------------------------- validation and filtering
@dataclass
class CuratedStage:
    """A stage's records after validation and quality filtering, with lineage."""

    stage: str
    dataset: str
    records: pd.DataFrame | pa.Table | PartedRecords  # not one frame where it costs too much
    lineage: pd.DataFrame | pa.Table | None  # None: made with the parted records
    stats: dict
    extras: dict[str, pd.DataFrame] = field(default_factory=dict)  # e.g. graph nodes


def curate(
    stage: str,
    records: list[dict],
    cycle: str,
    seed: int,
    sources: tuple[str, ...] = (),
    extras: dict[str, list[dict]] | None = None,
    compact: CompactRecords | None = None,
) -> CuratedStage:
    """Validate each record, drop low-quality ones (reasons counted) and attach lineage (or
    take a compacted stage's records, validated and filtered where they were collected)."""
    point = REGISTRY[stage]
    transformations = [
        f"detected:{point.version}",
        f"labelled:{LABELLER_VERSION}",
        "validated:pydantic",
        f"filtered:{QUALITY_VERSION}",
    ]
    if compact is None:
        kept, dropped, valid, failures = _filter(stage, records)
        frame = pd.DataFrame(kept)
        counts = (len(records), len(valid), len(kept))
    else:
        frame, dropped, failures = pd.DataFrame(), compact.dropped, compact.failures
        counts = (compact.collected, compact.valid, compact.kept)
    if compact is not None and compact.parts:
        # written part by part (`parted`): the same files, in a part's memory
        records: pd.DataFrame | PartedRecords = PartedRecords(
            compact.parts,
            compact.groups,
            point.id_field,
            cycle,
            lambda kept: lineage_table(
                kept, point.dataset, stage, point.version, seed, transformations, list(sources)
            ),
            keep=compact.spool,
        )
        lineage = None
    else:
        if not frame.empty:
            # record ids are unique across cycles: home ids repeat from one cycle to the next
            frame.insert(0, "record_id", cycle + "/" + frame.pop(point.id_field).astype(str))
            frame.insert(1, "cycle", cycle)
        records = frame
        lineage = lineage_rows(
            frame, point.dataset, stage, point.version, cycle, seed, transformations, sources
        )
    collected, n_valid, n_kept = counts
    stats = {
        "collected": collected,
        "valid": n_valid,
        "validation_pass_rate": round(n_valid / collected, 4) if collected else 0.0,
        "validation_failures": failures,
        "kept": n_kept,
        "dropped": dropped,
    }
    side = {name: _with_cycle(pd.DataFrame(rows), cycle) for name, rows in (extras or {}).items()}
    return CuratedStage(stage, point.dataset, records, lineage, stats, side)


def _filter(stage: str, records: list[dict]) -> tuple[list[dict], dict, list[dict], dict]:
    """(kept, drop reasons counted, valid, validation failures counted) of `records`."""
    quality = REGISTRY[stage].quality
    valid, failures = validate_records(stage, records)
    kept, dropped = [], {}
    for rec in valid:
        reason = quality(rec)
        if reason is None:
            kept.append(rec)
        else:
            dropped[reason] = dropped.get(reason, 0) + 1
    return kept, dropped, valid, failures


def _with_cycle(frame: pd.DataFrame, cycle: str) -> pd.DataFrame:
    frame.insert(0, "cycle", cycle)
    return frame


def lineage_rows(
    frame: pd.DataFrame,
    dataset: str,
    stage: str,
    version: str,
    cycle: str,
    seed: int,
    transformations: list[str],
    sources: tuple[str, ...],
) -> pd.DataFrame:
    n = len(frame)
    if n == 0:
        return pd.DataFrame(columns=LINEAGE_COLUMNS)
    return pd.DataFrame(
        {
            "record_id": frame["record_id"].astype(str).to_numpy(),
            "dataset": dataset,
            "cycle": cycle,
            "home_id": frame["home_id"].to_numpy(),
            "stage": stage,
            "generator_version": version,
            "seed": int(seed),
            "transformations": [transformations] * n,
            "sources": [list(sources)] * n,
        }
    )


LINEAGE_COLUMNS = [
    "record_id",
    "dataset",
    "cycle",
    "home_id",
    "stage",
    "generator_version",
    "seed",
    "transformations",
    "sources",
]
