"""Fleet generation: plan the homes, simulate them in shards across worker processes, write
every table as Parquet shards.

Shards have a fixed size (config.shard_size) and every home draws only from generators derived
from (seed, home id, stream), so the files are byte-identical whatever the number of workers.
Each worker writes its own shard files and returns only counts, so memory stays flat as the
fleet grows.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas  # noqa: F401  pyarrow imports it on first use: once here, not in every worker
import pyarrow as pa

from homeiq_assets.sim.behaviour import HomeSimulation, Vocabs, simulate_home
from homeiq_assets.sim.catalog import DEVICE_TEMPLATES, HOME_TYPE_SHARES, HOME_TYPES, REGIONS, SIZES
from homeiq_assets.sim.clock import Window
from homeiq_assets.sim.config import SimConfig
from homeiq_assets.sim.environment import (
    CONDITIONS,
    CURRENCY,
    carbon_intensity,
    hourly_price,
    region_weather,
)
from homeiq_assets.sim.events import EVENT_TYPES
from homeiq_assets.sim.ha_context import ulid_array, ulid_words
from homeiq_assets.sim.home_types import SIZE_GIVEN_TYPE
from homeiq_assets.sim.layout import (
    FLOOR_NAMES,
    LABEL_STYLE,
    Home,
    build_home,
    home_site,
    slugify,
)
from homeiq_assets.sim.occupancy import AWAY_KINDS, STATE_NAMES, occupancy_intervals
from homeiq_assets.sim.rng import derive_rng, stable_int
from homeiq_assets.sim.routines import Planted
from homeiq_assets.sim.tables import ROW_TABLES, SCHEMAS
from homeiq_assets.storage import write_parquet_atomic
from homeiq_assets.workers import forked_pool

ProgressFn = Callable[[int, int], None]
CALENDAR_SUMMARY = {
    "work": "Work",
    "school": "School",
    "shift": "Shift",
    "errand": "Errand",
    "outing": "Weekend outing",
}


def _quota(shares: dict[str, float], n: int, rng: np.random.Generator) -> list[str]:
    """Largest-remainder quotas of `n` items for `shares`, in a seeded random order."""
    names = list(shares)
    weights = np.array([shares[k] for k in names], dtype=np.float64)
    exact = weights / weights.sum() * n
    counts = np.floor(exact).astype(int)
    remainder = exact - counts
    for i in np.argsort(-remainder, kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    plan = np.repeat(np.arange(len(names)), counts)
    rng.shuffle(plan)
    return [names[i] for i in plan]


def _sizes_given_types(types: list[str], rng: np.random.Generator) -> list[str]:
    """Sizes drawn from P(size | type) by systematic sampling within each type: the n homes of
    a type take the points (k + u) / n, k = 0..n-1, of its size distribution (one random u per
    type), in a random order. Each type's size counts are within one of their expectation, and
    so the fleet's overall size shares stay within a few homes of DESIGN's 30/40/20/10."""
    sizes = [""] * len(types)
    for home_type in sorted(set(types), key=HOME_TYPES.index):
        idx = [i for i, t in enumerate(types) if t == home_type]
        cdf = np.cumsum(SIZE_GIVEN_TYPE[home_type])
        points = (np.arange(len(idx)) + rng.random()) / len(idx)
        drawn = np.minimum(np.searchsorted(cdf, points, side="right"), len(SIZES) - 1)
        rng.shuffle(drawn)
        for i, d in zip(idx, drawn, strict=True):
            sizes[i] = SIZES[int(d)]
    return sizes


def plan_fleet(config: SimConfig) -> list[tuple[str, str, str]]:
    """(home_id, home_type, size) for every home: type shares hold by construction (quotas),
    sizes follow the type (`_sizes_given_types`)."""
    rng = derive_rng(config.seed, "fleet", "plan")
    types = _quota(config.home_type_mix or HOME_TYPE_SHARES, config.homes, rng)
    sizes = _sizes_given_types(types, rng)
    width = max(5, len(str(config.homes - 1)))
    return [(f"h{i:0{width}d}", types[i], sizes[i]) for i in range(config.homes)]


@dataclass
class ShardResult:
    shard: int
    rows: dict[str, int]
    home_types: dict[str, int]
    events_by_size: dict[str, list[float]] = field(default_factory=dict)


def _ms(window: Window, minutes: np.ndarray) -> np.ndarray:
    return window.start_ms + np.asarray(minutes, dtype=np.int64) * 60_000


def _ts(values_ms: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values_ms, dtype="datetime64[ms]"), type=pa.timestamp("ms")).cast(
        pa.timestamp("ms", tz="UTC")
    )


def _dict(codes: np.ndarray, values: list[str]) -> pa.DictionaryArray:
    """Dictionary column of `codes` into `values`; a negative code is null."""
    codes = np.asarray(codes)
    mask = codes < 0 if codes.size and codes.min() < 0 else None
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, type=pa.int32(), mask=mask), pa.array(values, type=pa.string())
    )


def _rows_to_table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """Small per-home tables from row dicts (Table.from_pylist would import pandas, which
    costs each worker more than simulating several homes)."""
    return pa.Table.from_arrays(
        [pa.array([r[f.name] for r in rows], type=f.type) for f in schema], schema=schema
    )


def _static_rows(home: Home, rows: dict[str, list[dict]]) -> None:
    floor_id = {lvl: slugify(FLOOR_NAMES[lvl]) for lvl in home.floors}
    rows["homes"].append(
        {
            "home_id": home.home_id,
            "home_type": home.home_type,
            "size_category": home.size_category,
            "region": home.region.name,
            "climate_zone": home.region.climate_zone,
            "carbon_region": home.region.carbon_region,
            "tariff": home.tariff,
            "latitude": home.latitude,
            "longitude": home.longitude,
            "timezone": home.region.timezone,
            "occupants": len(home.occupants),
            "household_archetype": home.household_archetype,
            "floor_count": len(home.floors),
            "area_count": len(home.areas),
            "device_count": len(home.devices),
            "entity_count": len(home.entities) + len(home.persons),
            "gt_floor_area_m2": home.facts.floor_area_m2,
            "gt_tenure": home.facts.tenure,
        }
    )
    for lvl in home.floors:
        rows["floors"].append(
            {
                "home_id": home.home_id,
                "floor_id": floor_id[lvl],
                "name": FLOOR_NAMES[lvl],
                "level": lvl,
            }
        )
    for a in home.areas:
        rows["areas"].append(
            {
                "home_id": home.home_id,
                "area_id": a.area_id,
                "name": a.name,
                "kind": a.kind,
                "floor_id": floor_id[a.floor_level],
                "indoor": a.indoor,
                "labels": a.labels,
            }
        )
    for lab in home.labels:
        name, color, icon = LABEL_STYLE[lab]
        rows["labels"].append(
            {"home_id": home.home_id, "label_id": lab, "name": name, "color": color, "icon": icon}
        )
    for d in home.devices:
        t = DEVICE_TEMPLATES[d.device_type]
        rows["devices"].append(
            {
                "home_id": home.home_id,
                "device_id": d.device_id,
                "name": d.name,
                "area_id": home.areas[d.area_index].area_id,
                "manufacturer": d.manufacturer,
                "model": d.model,
                "category": t.category,
                "device_type": d.device_type,
                "power_source": t.power_source,
                "labels": d.labels,
            }
        )
    for e in home.entities:
        device = e.device_index >= 0  # automation entities belong to no device
        rows["entities"].append(
            {
                "home_id": home.home_id,
                "entity_id": e.entity_id,
                "device_id": home.devices[e.device_index].device_id if device else None,
                "domain": e.domain,
                "device_class": e.device_class,
                "unit_of_measurement": e.unit,
                "state_class": e.state_class,
                "name": None,
                "has_entity_name": device,
                "original_name": e.original_name,
                "friendly_name": e.friendly_name,
                "labels": e.labels,
            }
        )
    for p in home.persons:  # people have no device (Home Assistant's person integration)
        rows["entities"].append(
            {
                "home_id": home.home_id,
                "entity_id": p.entity_id,
                "device_id": None,
                "domain": "person",
                "device_class": None,
                "unit_of_measurement": None,
                "state_class": None,
                "name": None,
                "has_entity_name": False,
                "original_name": p.name,
                "friendly_name": p.name,
                "labels": [],
            }
        )


def _trigger_state(p: Planted) -> str | None:
    if p.trigger_kind == "numeric_above":
        return f"above {p.params['on_above']:g}"
    return p.trigger_state


def _truth_rows(sim: HomeSimulation, rows: dict[str, list[dict]]) -> None:
    home = sim.home
    name = [e.entity_id for e in home.entities]
    for o in sim.occurrences:
        p = o.planted
        lo, hi = p.lag.band_s
        rows["gt_routines"].append(
            {
                "home_id": home.home_id,
                "routine_id": p.routine_id,
                "kind": p.kind,
                "template": p.template,
                "description": p.description,
                "automation_entity_id": (
                    name[p.automation_entity] if p.automation_entity is not None else None
                ),
                "trigger_kind": p.trigger_kind,
                "trigger_entity_id": (
                    name[p.trigger_entity] if p.trigger_entity is not None else None
                ),
                "trigger_state": _trigger_state(p),
                "action_entity_ids": [name[a] for a in p.action_entities],
                "action_state": p.action_state,
                "relationship": p.relationship,
                "adherence": p.adherence,
                "lag_s_mean": round(p.lag.mean_s, 3),
                "lag_s_std": round(p.lag.std_s, 3),
                "lag_s_lo": round(lo, 3),
                "lag_s_hi": round(hi, 3),
                "for_s": p.lag.for_s,
                "time_local_h": p.time_local_h,
                "params": json.dumps(p.params, sort_keys=True),
                "opportunities": int(p.opportunities),
                "occurrences": len(o.occurrence),
                "event_count": int(o.events.sum()),
            }
        )
    for c in sim.synergies:
        rows["gt_synergies"].append(
            {
                "home_id": home.home_id,
                "trigger_device_id": home.devices[c.trigger_device].device_id,
                "trigger_entity_id": name[c.trigger_entity],
                "action_device_id": home.devices[c.action_device].device_id,
                "action_entity_id": name[c.action_entity],
                "relationship": c.relationship,
                "same_area": c.same_area,
                "candidate": c.automated_by is None,
                "gt_automation_id": c.automated_by,
                "gt_linked": c.linked_by is not None,
                "gt_habit_id": c.linked_by,
            }
        )


def _occurrence_arrays(sim: HomeSimulation, window: Window) -> dict[str, np.ndarray]:
    """gt_occurrences columns of one home (arrays: automations fire many times a day)."""
    parts = [o for o in sim.occurrences if len(o.occurrence)]
    if not parts:
        return {}
    n = [len(o.occurrence) for o in parts]
    first = np.concatenate([o.first_ms for o in parts])
    react = np.concatenate([o.react_ms for o in parts])
    trigger = np.concatenate([o.trigger_ms for o in parts])
    return {
        "routine_id": np.repeat(np.array([o.planted.routine_id for o in parts], object), n),
        "occurrence": np.concatenate([o.occurrence for o in parts]),
        "trigger": window.start_ms + trigger,
        "first": window.start_ms + first,
        "has_first": first >= 0,
        "has_react": react >= 0,
        "lag_s": (react - trigger) / 1000.0,
        "events": np.concatenate([o.events for o in parts]).astype(np.int32),
        "step": np.concatenate([o.step for o in parts]).astype(np.int8),
    }


def _occupancy_arrays(
    sim: HomeSimulation, window: Window, calendar: bool
) -> tuple[dict[str, list], dict[str, list]]:
    home = sim.home
    occ_cols: dict[str, list] = {
        k: [] for k in ("occupant_id", "archetype", "start", "end", "state", "area")
    }
    cal_cols: dict[str, list] = {k: [] for k in ("occupant_id", "start", "end", "kind")}
    for o in sim.occupancy.occupants:
        s, e, st, room = occupancy_intervals(o)
        n = len(s)
        occ_cols["occupant_id"].append(np.full(n, o.occupant_id, dtype=object))
        occ_cols["archetype"].append(np.full(n, o.archetype, dtype=object))
        occ_cols["start"].append(_ms(window, s))
        occ_cols["end"].append(_ms(window, e))
        occ_cols["state"].append(st.astype(np.int32))
        area_ids = np.array([a.area_id for a in home.areas] + [None], dtype=object)
        occ_cols["area"].append(area_ids[np.where(room < 0, len(home.areas), room)])
        if calendar:
            # calendar entries are the away periods that really happened, clipped to the window
            a0 = np.clip(o.away_starts, 0, window.minutes)
            a1 = np.clip(o.away_ends, 0, window.minutes)
            away_cum = np.concatenate(([0], np.cumsum(o.state == 2, dtype=np.int32)))
            span = np.maximum(a1 - a0, 1)
            keep = (a1 > a0) & ((away_cum[a1] - away_cum[a0]) / span > 0.5)
            cal_cols["occupant_id"].append(np.full(int(keep.sum()), o.occupant_id, dtype=object))
            cal_cols["start"].append(_ms(window, a0[keep]))
            cal_cols["end"].append(_ms(window, a1[keep]))
            cal_cols["kind"].append(o.away_kind[keep])
    return occ_cols, cal_cols


def simulate_shard(
    config: SimConfig, shard: int, plan: list[tuple[str, str, str]], out_dir: Path
) -> ShardResult:
    """Simulate one shard of homes and write its Parquet files."""
    window = Window(config.start, config.days)
    vocabs = Vocabs.new()
    rows: dict[str, list[dict]] = {k: [] for k in ROW_TABLES}
    sims: list[HomeSimulation] = []
    ev_parts: dict[str, list[np.ndarray]] = {
        k: []
        for k in ("home", "t", "kind", "entity", "state", "attr", "ctx", "parent", "cause", "occ")
    }
    occ_parts: list[tuple[str, dict[str, np.ndarray]]] = []
    entity_vocab: dict[str, int] = {}
    entity_values: list[str] = []
    occ_tables, cal_tables = [], []
    events_by_size: dict[str, list[float]] = {}
    for hi, (home_id, home_type, size) in enumerate(plan):
        home = build_home(config.seed, home_id, home_type, size)
        sim = simulate_home(home, window, config.seed, config.noise, vocabs)
        _static_rows(home, rows)
        # device entities, then people (the order of entity codes in the home's events)
        entity_ids = [e.entity_id for e in home.entities] + [p.entity_id for p in home.persons]
        for entity_id in entity_ids:
            if entity_id not in entity_vocab:
                entity_vocab[entity_id] = len(entity_values)
                entity_values.append(entity_id)
        local_to_shard = np.array([entity_vocab[e] for e in entity_ids], dtype=np.int32)
        ev = sim.events
        n = len(ev)
        ev_parts["home"].append(np.full(n, hi, np.int32))
        ev_parts["t"].append(window.start_ms + ev.t)
        ev_parts["kind"].append(ev.kind.astype(np.int32))
        ev_parts["entity"].append(local_to_shard[ev.entity])
        ev_parts["state"].append(ev.state)
        ev_parts["attr"].append(ev.attr)
        # context ids: one ULID per context reference of the home, taken per row
        words = ulid_words(
            window.start_ms + ev.ctx_ms,
            np.arange(len(ev.ctx_ms)),
            stable_int(config.seed, home_id, "context"),
        )
        ev_parts["ctx"].append(words[ev.ctx])
        has_parent = ev.parent >= 0
        # rows without a parent are null: whatever their slot holds is never written
        ev_parts["parent"].append(has_parent)
        ev_parts.setdefault("parent_words", []).append(words[np.maximum(ev.parent, 0)])
        ev_parts["cause"].append(ev.cause)
        ev_parts["occ"].append(ev.occurrence)
        _truth_rows(sim, rows)
        occ_parts.append((home_id, _occurrence_arrays(sim, window)))
        occ_cols, cal_cols = _occupancy_arrays(sim, window, config.calendar)
        occ_tables.append((home_id, occ_cols))
        cal_tables.append((home_id, cal_cols))
        events_by_size.setdefault(size, []).append(n / config.days)
        sims.append(sim)

    home_ids = [p[0] for p in plan]
    written: dict[str, int] = {}

    def emit(name: str, table: pa.Table) -> None:
        stats = ["ts", "gt_occurrence"] if name == "events" else True
        write_parquet_atomic(table, out_dir / name / f"part-{shard:05d}.parquet", stats)
        written[name] = table.num_rows

    for name, table_rows in rows.items():
        emit(name, _rows_to_table(table_rows, SCHEMAS[name]))

    has_parent = np.concatenate(ev_parts["parent"])
    events = pa.Table.from_arrays(
        [
            _dict(np.concatenate(ev_parts["home"]), home_ids),
            _ts(np.concatenate(ev_parts["t"])),
            _dict(np.concatenate(ev_parts["kind"]), list(EVENT_TYPES)),
            _dict(np.concatenate(ev_parts["entity"]), entity_values),
            _dict(np.concatenate(ev_parts["state"]), vocabs.states.values),
            _dict(np.concatenate(ev_parts["attr"]), vocabs.attrs.values),
            ulid_array(np.concatenate(ev_parts["ctx"])),
            ulid_array(np.concatenate(ev_parts["parent_words"]), has_parent),
            _dict(np.concatenate(ev_parts["cause"]), vocabs.causes.values),
            pa.array(np.concatenate(ev_parts["occ"]), type=pa.int32()),
        ],
        schema=SCHEMAS["events"],
    )
    emit("events", events)
    emit("gt_occurrences", _occurrence_table(occ_parts))

    occ_arrays = []
    for home_id, cols in occ_tables:
        n = sum(len(x) for x in cols["start"])
        occ_arrays.append(
            pa.Table.from_arrays(
                [
                    pa.array(np.full(n, home_id, dtype=object), type=pa.string()),
                    pa.array(np.concatenate(cols["occupant_id"]), type=pa.string()),
                    pa.array(np.concatenate(cols["archetype"]), type=pa.string()),
                    _ts(np.concatenate(cols["start"])),
                    _ts(np.concatenate(cols["end"])),
                    _dict(np.concatenate(cols["state"]), list(STATE_NAMES)),
                    pa.array(np.concatenate(cols["area"]), type=pa.string()),
                ],
                schema=SCHEMAS["occupancy"],
            )
        )
    emit("occupancy", pa.concat_tables(occ_arrays))

    if config.calendar:
        cal_arrays = []
        for home_id, cols in cal_tables:
            kinds = np.concatenate(cols["kind"]) if cols["kind"] else np.zeros(0, int)
            n = len(kinds)
            cal_arrays.append(
                pa.Table.from_arrays(
                    [
                        pa.array(np.full(n, home_id, dtype=object), type=pa.string()),
                        pa.array(
                            np.concatenate(cols["occupant_id"]) if n else [], type=pa.string()
                        ),
                        _ts(np.concatenate(cols["start"]) if n else np.zeros(0, np.int64)),
                        _ts(np.concatenate(cols["end"]) if n else np.zeros(0, np.int64)),
                        pa.array(
                            [CALENDAR_SUMMARY[AWAY_KINDS[k]] for k in kinds], type=pa.string()
                        ),
                        pa.array([AWAY_KINDS[k] for k in kinds], type=pa.string()),
                    ],
                    schema=SCHEMAS["calendar"],
                )
            )
        emit("calendar", pa.concat_tables(cal_arrays))

    emit("device_daily", _device_daily(sims, window))
    types = Counter(p[1] for p in plan)
    return ShardResult(shard, written, dict(types), events_by_size)


def _occurrence_table(parts: list[tuple[str, dict[str, np.ndarray]]]) -> pa.Table:
    schema = SCHEMAS["gt_occurrences"]
    parts = [(h, p) for h, p in parts if p]
    if not parts:
        return schema.empty_table()

    def cat(key: str) -> np.ndarray:
        return np.concatenate([p[key] for _, p in parts])

    has_first = cat("has_first")
    homes = np.repeat(
        np.array([h for h, _ in parts], object), [len(p["occurrence"]) for _, p in parts]
    )
    return pa.Table.from_arrays(
        [
            pa.array(homes, type=pa.string()),
            pa.array(cat("routine_id"), type=pa.string()),
            pa.array(cat("occurrence"), type=pa.int32()),
            _ts(cat("trigger")),
            pa.array(
                np.asarray(cat("first"), dtype="datetime64[ms]"),
                type=pa.timestamp("ms"),
                mask=~has_first,
            ).cast(pa.timestamp("ms", tz="UTC")),
            pa.array(np.round(cat("lag_s"), 3), type=pa.float64(), mask=~cat("has_react")),
            pa.array(cat("events"), type=pa.int32()),
            pa.array(cat("step"), type=pa.int8()),
        ],
        schema=schema,
    )


def _device_daily(sims: list[HomeSimulation], window: Window) -> pa.Table:
    """Per device and day: events it produced and the mean temperature where it sits.

    Device-health telemetry is driven by these (usage wears devices and drains batteries;
    cold drains batteries), so it is stored rather than recomputed from raw events.
    """
    days = window.days
    home, dev, usage, temp = [], [], [], []
    for sim in sims:
        n = len(sim.home.devices)
        home.append(np.full(n * days, sim.home.home_id, dtype=object))
        dev.append(np.repeat(np.array([d.device_id for d in sim.home.devices], dtype=object), days))
        usage.append(sim.device_usage_daily.reshape(-1))
        area = np.array([d.area_index for d in sim.home.devices], dtype=np.int64)
        temp.append(sim.area_temp_daily[area].reshape(-1))
    n_dev = sum(len(s.home.devices) for s in sims)
    day0 = window.start_ms // 86_400_000
    dates = np.tile(np.arange(days, dtype=np.int32) + day0, n_dev)
    return pa.Table.from_arrays(
        [
            pa.array(np.concatenate(home), type=pa.string()),
            pa.array(np.concatenate(dev), type=pa.string()),
            pa.array(dates, type=pa.date32()),
            pa.array(np.concatenate(usage).astype(np.int32), type=pa.int32()),
            pa.array(np.round(np.concatenate(temp), 2).astype(np.float32), type=pa.float32()),
        ],
        schema=SCHEMAS["device_daily"],
    )


def context_tables(
    config: SimConfig, regions: set[str], tariffs: set[tuple[str, str]]
) -> dict[str, pa.Table]:
    """Weather, carbon intensity and prices for the regions the fleet lives in."""
    window = Window(config.start, config.days)
    out: dict[str, pa.Table] = {}
    hours_ms = window.start_ms + np.arange(window.days * 24, dtype=np.int64) * 3_600_000
    if config.weather:
        parts = []
        for name in sorted(regions):
            w = region_weather(name, window, config.seed)
            n = len(hours_ms)
            parts.append(
                pa.Table.from_arrays(
                    [
                        pa.array([name] * n, type=pa.string()),
                        _ts(hours_ms),
                        pa.array(w.temperature_c, type=pa.float32()),
                        pa.array(w.humidity_pct, type=pa.float32()),
                        pa.array(w.cloud_cover, type=pa.float32()),
                        pa.array(w.wind_speed_ms, type=pa.float32()),
                        pa.array(w.precipitation_mm, type=pa.float32()),
                        pa.array(np.array(CONDITIONS, dtype=object)[w.condition], type=pa.string()),
                    ],
                    schema=SCHEMAS["weather"],
                )
            )
        out["weather"] = pa.concat_tables(parts)
    if config.carbon:
        parts = []
        q_ms = window.start_ms + np.arange(window.days * 96, dtype=np.int64) * 900_000
        for cr in sorted({r.carbon_region for r in REGIONS if r.name in regions}):
            c = carbon_intensity(cr, window, config.seed)
            parts.append(
                pa.Table.from_arrays(
                    [
                        pa.array([cr] * len(q_ms), type=pa.string()),
                        _ts(q_ms),
                        pa.array(c.intensity_g_per_kwh, type=pa.float32()),
                        pa.array(c.renewable_share, type=pa.float32()),
                    ],
                    schema=SCHEMAS["carbon_intensity"],
                )
            )
        out["carbon_intensity"] = pa.concat_tables(parts)
    if config.price:
        parts = []
        for region_name, tariff in sorted(tariffs):
            region = next(r for r in REGIONS if r.name == region_name)
            price = hourly_price(region, tariff, window, config.seed)
            n = len(hours_ms)
            parts.append(
                pa.Table.from_arrays(
                    [
                        pa.array([region_name] * n, type=pa.string()),
                        pa.array([tariff] * n, type=pa.string()),
                        _ts(hours_ms),
                        pa.array(price, type=pa.float32()),
                        pa.array([CURRENCY[region_name]] * n, type=pa.string()),
                    ],
                    schema=SCHEMAS["electricity_price"],
                )
            )
        out["electricity_price"] = pa.concat_tables(parts)
    return out


def _run_shard(args: tuple[SimConfig, int, list[tuple[str, str, str]], Path]) -> ShardResult:
    return simulate_shard(*args)


def generate_fleet(
    config: SimConfig, out_dir: Path, workers: int = 1, progress: ProgressFn | None = None
) -> dict:
    """Simulate the whole fleet into `out_dir` (a staging directory the caller publishes).

    Returns the summary (also written as summary.json): counts, type shares, timing.
    """
    started = time.perf_counter()
    plan = plan_fleet(config)
    shards = [plan[i : i + config.shard_size] for i in range(0, len(plan), config.shard_size)]
    jobs = [(config, i, shard, out_dir) for i, shard in enumerate(shards)]
    sites = [home_site(config.seed, home_id, home_type) for home_id, home_type, _ in plan]
    tariffs = {(region.name, tariff) for region, tariff, _, _ in sites}
    regions = {region for region, _ in tariffs}
    results: list[ShardResult] = []
    context: dict[str, pa.Table] = {}
    done_homes = 0

    def collect(result: ShardResult) -> None:
        nonlocal done_homes
        results.append(result)
        done_homes += len(shards[result.shard])
        if progress:
            progress(done_homes, config.homes)

    if workers <= 1 or len(jobs) == 1:
        for job in jobs:
            collect(_run_shard(job))
        context = context_tables(config, regions, tariffs)
    else:
        with forked_pool(min(workers, len(jobs))) as pool:
            pending = pool.map(_run_shard, jobs)  # every shard is submitted now
            context = context_tables(config, regions, tariffs)  # while the workers run
            for result in pending:
                collect(result)

    rows: Counter[str] = Counter()
    for r in results:
        rows.update(r.rows)
    for name, table in context.items():
        write_parquet_atomic(table, out_dir / name / "part-00000.parquet")
        rows[name] += table.num_rows
    types: Counter[str] = Counter()
    by_size: dict[str, list[float]] = {}
    for r in results:
        types.update(r.home_types)
        for size, vals in r.events_by_size.items():
            by_size.setdefault(size, []).extend(vals)
    seconds = time.perf_counter() - started
    summary = {
        "config": config.model_dump(mode="json"),
        "config_hash": config.config_hash(),
        "seed": config.seed,
        "homes": config.homes,
        "days": config.days,
        "workers": workers,
        "shards": len(shards),
        "rows": dict(sorted(rows.items())),
        "home_types": {k: types.get(k, 0) for k in (config.home_type_mix or HOME_TYPE_SHARES)},
        "home_type_share": {
            k: round(types.get(k, 0) / config.homes, 4)
            for k in (config.home_type_mix or HOME_TYPE_SHARES)
        },
        "size_share": {s: round(sum(p[2] == s for p in plan) / config.homes, 4) for s in SIZES},
        "events_per_home_day_by_size": {
            k: round(float(np.mean(v)), 1) for k, v in sorted(by_size.items())
        },
        "seconds": round(seconds, 3),
        "events_per_second": round(rows["events"] / max(seconds, 1e-9), 1),
    }
    return summary
