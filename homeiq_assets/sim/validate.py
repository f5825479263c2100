"""Data-quality rules for simulator output; Dagster's asset checks call these.

Each rule returns an Outcome (passed, a one-line description, metadata) so it can be tested
without Dagster and reported the same way in the UI.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from homeiq_assets.sim.realism import routine_agreement, synergy_balance
from homeiq_assets.sim.tables import SCHEMAS, TableSource, table_dir

# What Home Assistant 2026.2 accepts for the entities the simulator creates:
# domain -> device_class -> (allowed units, allowed state classes)
HA_ENTITY_RULES: dict[str, dict[str | None, tuple[set[str | None], set[str | None]]]] = {
    "light": {None: ({None}, {None})},
    "lock": {None: ({None}, {None})},
    "climate": {None: ({None}, {None})},
    "fan": {None: ({None}, {None})},
    "vacuum": {None: ({None}, {None})},
    "automation": {None: ({None}, {None})},
    "switch": {"outlet": ({None}, {None}), "switch": ({None}, {None}), None: ({None}, {None})},
    "cover": {"garage": ({None}, {None}), "door": ({None}, {None})},
    "person": {None: ({None}, {None})},
    "media_player": {
        "tv": ({None}, {None}),
        "speaker": ({None}, {None}),
        "receiver": ({None}, {None}),
    },
    "binary_sensor": {
        dc: ({None}, {None})
        for dc in ("motion", "door", "window", "smoke", "moisture", "occupancy")
    },
    "sensor": {
        "temperature": ({"°C", "°F", "K"}, {"measurement"}),
        "humidity": ({"%"}, {"measurement"}),
        "power": ({"W", "kW", "mW"}, {"measurement"}),
        "energy": ({"Wh", "kWh", "MWh"}, {"total", "total_increasing"}),
        "battery": ({"%"}, {"measurement"}),
    },
}
ENTITY_ID_RE = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")


@dataclass
class Outcome:
    passed: bool
    description: str
    metadata: dict[str, object] = field(default_factory=dict)


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).isoformat(timespec="seconds")


def _dataset(source: TableSource, name: str) -> ds.Dataset:
    return ds.dataset(table_dir(source, name), format="parquet")


def check_schemas(source: TableSource, tables: list[str]) -> Outcome:
    """Every table's Parquet schema equals the contract in tables.SCHEMAS."""
    bad = {}
    for name in tables:
        directory = table_dir(source, name)
        if not directory.exists():
            bad[name] = "missing"
            continue
        schema = _dataset(source, name).schema.remove_metadata()
        if not schema.equals(SCHEMAS[name]):
            bad[name] = str(schema)[:300]
    return Outcome(
        not bad,
        "all schemas match" if not bad else f"schema mismatch: {sorted(bad)}",
        {"tables": len(tables), "mismatches": bad},
    )


def check_entities(source: TableSource) -> Outcome:
    """Entity ids are `domain.object_id` slugs, unique per home, with HA-valid classes/units."""
    ent = (
        _dataset(source, "entities")
        .to_table(
            columns=[
                "home_id",
                "entity_id",
                "domain",
                "device_class",
                "unit_of_measurement",
                "state_class",
            ]
        )
        .to_pandas()
    )
    malformed = ~ent["entity_id"].str.match(ENTITY_ID_RE)
    wrong_domain = ent["entity_id"].str.split(".").str[0] != ent["domain"]
    dup = ent.duplicated(["home_id", "entity_id"])
    invalid = []
    for row in ent.drop_duplicates(
        ["domain", "device_class", "unit_of_measurement", "state_class"]
    ).itertuples():
        rules = HA_ENTITY_RULES.get(row.domain)
        dc = row.device_class if isinstance(row.device_class, str) else None
        unit = row.unit_of_measurement if isinstance(row.unit_of_measurement, str) else None
        sc = row.state_class if isinstance(row.state_class, str) else None
        if rules is None or dc not in rules or unit not in rules[dc][0] or sc not in rules[dc][1]:
            invalid.append(f"{row.domain}/{dc}/{unit}/{sc}")
    passed = not (malformed.any() or wrong_domain.any() or dup.any() or invalid)
    return Outcome(
        passed,
        "entity ids valid and unique" if passed else "invalid entities",
        {
            "entities": int(len(ent)),
            "malformed": int(malformed.sum()),
            "domain_mismatch": int(wrong_domain.sum()),
            "duplicates": int(dup.sum()),
            "invalid_class_unit_combinations": invalid,
        },
    )


def check_events(source: TableSource, start_ms: int, end_ms: int) -> Outcome:
    """Event timestamps inside the cycle window; every event's entity exists in its home."""
    events = _dataset(source, "events")
    table = events.to_table(columns=["home_id", "ts", "entity_id"])
    ts = pc.cast(table.column("ts"), "int64")
    lo = pc.min(ts).as_py() if table.num_rows else start_ms
    hi = pc.max(ts).as_py() if table.num_rows else start_ms
    # shards carry their own dictionaries: compare as plain strings
    keys = pa.table({c: pc.cast(table.column(c), pa.string()) for c in ("home_id", "entity_id")})
    pairs = keys.group_by(["home_id", "entity_id"]).aggregate([]).to_pandas()
    ent = _dataset(source, "entities").to_table(columns=["home_id", "entity_id"]).to_pandas()
    known = set(zip(ent["home_id"], ent["entity_id"], strict=True))
    unknown = [
        f"{h}:{e}"
        for h, e in zip(pairs["home_id"].astype(str), pairs["entity_id"].astype(str), strict=True)
        if (h, e) not in known
    ]
    in_window = start_ms <= lo and hi < end_ms
    passed = in_window and not unknown and table.num_rows > 0
    return Outcome(
        passed,
        "events inside the window, entities known"
        if passed
        else "events outside the window, unknown entities or no events",
        {
            "events": table.num_rows,
            "first_event": _iso(lo),
            "last_event": _iso(hi),
            "window": f"{_iso(start_ms)} – {_iso(end_ms)}",
            "unknown_entities": unknown[:20],
        },
    )


def check_occupancy(source: TableSource, start_ms: int, end_ms: int) -> Outcome:
    """Each occupant's intervals tile the window exactly (no gaps, no overlaps)."""
    table = _dataset(source, "occupancy").to_table(columns=["occupant_id", "start", "end", "state"])
    s = pc.cast(table.column("start"), "int64").to_numpy()  # ms since epoch
    e = pc.cast(table.column("end"), "int64").to_numpy()
    occ = table.select(["occupant_id", "state"]).to_pandas()
    who = occ["occupant_id"].to_numpy()
    order = np.lexsort((s, who))
    s, e, who = s[order], e[order], who[order]
    first = np.concatenate(([True], who[1:] != who[:-1]))
    last = np.concatenate((who[1:] != who[:-1], [True]))
    gaps = int((s[~first] != e[np.flatnonzero(~first) - 1]).sum())
    bad_edges = int((s[first] != start_ms).sum() + (e[last] != end_ms).sum())
    empty = int((e <= s).sum())
    states = set(occ["state"].astype(str).unique())
    passed = gaps == 0 and bad_edges == 0 and empty == 0 and states <= {"asleep", "home", "away"}
    return Outcome(
        passed,
        "occupancy timelines tile the window"
        if passed
        else "occupancy timelines have gaps, overlaps or bad states",
        {
            "intervals": int(len(occ)),
            "occupants": int(first.sum()),
            "gaps": gaps,
            "bad_window_edges": bad_edges,
            "empty_intervals": empty,
            "states": sorted(states),
        },
    )


RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "weather": {
        "temperature_c": (-50, 55),
        "humidity_pct": (0, 100),
        "cloud_cover": (0, 1),
        "wind_speed_ms": (0, 60),
        "precipitation_mm": (0, 200),
    },
    "carbon_intensity": {"intensity_g_per_kwh": (0, 2000), "renewable_share": (0, 1)},
    "electricity_price": {"price_per_kwh": (0, 20)},
}


def check_ranges(source: TableSource, tables: list[str]) -> Outcome:
    """Numeric columns within physical ranges, no nulls."""
    problems: dict[str, str] = {}
    stats: dict[str, object] = {}
    for name in tables:
        if not table_dir(source, name).exists():
            continue
        table = _dataset(source, name).to_table()
        for col, (lo, hi) in RANGES.get(name, {}).items():
            arr = table.column(col)
            mm = pc.min_max(arr).as_py()
            stats[f"{name}.{col}"] = [mm["min"], mm["max"]]
            if arr.null_count or mm["min"] is None or mm["min"] < lo or mm["max"] > hi:
                problems[f"{name}.{col}"] = f"{mm} outside [{lo}, {hi}] or nulls"
    return Outcome(
        not problems,
        "values in range" if not problems else f"out of range: {sorted(problems)}",
        {"ranges": stats, "problems": problems},
    )


def check_routines(source: TableSource, workers: int = 1) -> Outcome:
    """Ground truth agrees with the events for every habit occurrence and automation run
    (`realism.occurrence_agreement`: its changes, its trigger, its lag band, and for automation
    runs the automation_triggered event and the context chain); no change carries a parent
    context outside an automation run; adherence below 1 and timing jitter above 0."""
    r = routine_agreement(source, workers=workers)
    passed = (
        r["agreement"] == 1.0
        and r["routines_counts_match"] == r["routines"]
        and r["changes_with_parent_outside_runs"] == 0
        and r["other_changes_with_run_context"] == 0
        and r["max_adherence"] < 1.0
        and (r["routines"] == 0 or r["min_lag_std_s"] > 0)
    )
    return Outcome(
        passed,
        "ground truth agrees with events" if passed else "ground truth and events disagree",
        r,
    )


def check_synergies(source: TableSource) -> Outcome:
    """For every home, habit-linked relationship types also have unlinked candidates (unless
    the type has a single candidate there); no type with 20 or more candidates is linked in
    half of them."""
    r = synergy_balance(source)
    ok = r["balanced_share"] == 1.0 and r["max_linked_share_of_a_type"] < 0.5
    return Outcome(
        ok,
        "synergy candidates balanced" if ok else "some linked types lack unlinked candidates",
        r,
    )
