"""Write one home's history as a Home Assistant recorder database (SQLite, schema 53).

The DDL follows `homeassistant/components/recorder/db_schema.py` of Home Assistant 2026.2.3
(checked column by column, issue-10 research §2): same tables, column names, types and index
names, so Home Assistant opens the file as its own and finds no migration to run. What is
written is what 2026.2 records: a state for every entity when it starts, the simulated history
with each change's context (automation runs' changes carry the run's context and its parent),
one `automation_triggered` event and one automation state per run, and only the attributes
the recorder keeps (it drops a light's brightness and colour mode, an automation's
`last_triggered`, …). Everything per event is computed with numpy/pandas; rows go in with
`executemany` inside a single transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from homeiq_assets.export.home_assistant.registries import entity_capabilities
from homeiq_assets.export.home_assistant.statistics import measurement_stats, total_increasing_stats
from homeiq_assets.sim.ha_context import ulid_bytes
from homeiq_assets.sim.rng import stable_int

SCHEMA_VERSION = 53
_MEAN_ARITHMETIC = 1  # StatisticMeanType.ARITHMETIC (0 none, 2 circular)
BOOT_BEFORE_S = 2.0  # Home Assistant starts this long before the first simulated day
# attributes Home Assistant 2026.2 keeps in memory but does not record (ALL_DOMAIN_EXCLUDE_ATTRS
# and each entity class's `_entity_component_unrecorded_attributes`)
UNRECORDED_ALL = frozenset({"attribution", "restored", "supported_features"})
UNRECORDED: dict[str, frozenset[str]] = {
    "light": frozenset(
        {
            "supported_color_modes",
            "effect_list",
            "min_mireds",
            "max_mireds",
            "min_color_temp_kelvin",
            "max_color_temp_kelvin",
            "brightness",
            "color_mode",
            "color_temp",
            "color_temp_kelvin",
            "effect",
            "hs_color",
            "rgb_color",
            "rgbw_color",
            "rgbww_color",
            "xy_color",
        }
    ),
    "sensor": frozenset({"options"}),
    "climate": frozenset(
        {
            "hvac_modes",
            "fan_modes",
            "swing_modes",
            "min_temp",
            "max_temp",
            "min_humidity",
            "max_humidity",
            "target_temp_step",
            "preset_modes",
        }
    ),
    "automation": frozenset({"id", "last_triggered", "mode", "current", "max"}),
}
# the state an entity has when Home Assistant starts, given the state its first change goes to
_OPPOSITE = {
    "on": "off",
    "off": "on",
    "locked": "unlocked",
    "unlocked": "locked",
    "playing": "off",
    "opening": "closed",
    "closing": "open",
    "cleaning": "docked",
    "returning": "cleaning",
    "docked": "cleaning",
}
_RESTING = {
    "binary_sensor": "off",
    "light": "off",
    "switch": "off",
    "fan": "off",
    "media_player": "off",
    "lock": "locked",
    "cover": "closed",
    "vacuum": "docked",
    "automation": "on",
}
_UNIT_CLASS = {"°C": "temperature", "W": "power", "kWh": "energy", "%": "unitless"}

TABLES_DDL = """
CREATE TABLE event_data (
    data_id INTEGER NOT NULL, hash BIGINT, shared_data TEXT, PRIMARY KEY (data_id));
CREATE TABLE event_types (
    event_type_id INTEGER NOT NULL, event_type VARCHAR(64), PRIMARY KEY (event_type_id));
CREATE TABLE state_attributes (
    attributes_id INTEGER NOT NULL, hash BIGINT, shared_attrs TEXT, PRIMARY KEY (attributes_id));
CREATE TABLE states_meta (
    metadata_id INTEGER NOT NULL, entity_id VARCHAR(255), PRIMARY KEY (metadata_id));
CREATE TABLE statistics_meta (
    id INTEGER NOT NULL, statistic_id VARCHAR(255), source VARCHAR(32),
    unit_of_measurement VARCHAR(255), unit_class VARCHAR(255), has_mean BOOLEAN,
    has_sum BOOLEAN, name VARCHAR(255), mean_type SMALLINT NOT NULL, PRIMARY KEY (id));
CREATE TABLE recorder_runs (
    run_id INTEGER NOT NULL, start DATETIME NOT NULL, "end" DATETIME,
    closed_incorrect BOOLEAN NOT NULL, created DATETIME NOT NULL, PRIMARY KEY (run_id));
CREATE TABLE migration_changes (
    migration_id VARCHAR(255) NOT NULL, version SMALLINT NOT NULL, PRIMARY KEY (migration_id));
CREATE TABLE schema_changes (
    change_id INTEGER NOT NULL, schema_version INTEGER, changed DATETIME NOT NULL,
    PRIMARY KEY (change_id));
CREATE TABLE statistics_runs (
    run_id INTEGER NOT NULL, start DATETIME NOT NULL, PRIMARY KEY (run_id));
CREATE TABLE events (
    event_id INTEGER NOT NULL, event_type CHAR(0), event_data CHAR(0), origin CHAR(0),
    origin_idx SMALLINT, time_fired CHAR(0), time_fired_ts FLOAT, context_id CHAR(0),
    context_user_id CHAR(0), context_parent_id CHAR(0), data_id INTEGER, context_id_bin BLOB,
    context_user_id_bin BLOB, context_parent_id_bin BLOB, event_type_id INTEGER,
    PRIMARY KEY (event_id),
    FOREIGN KEY(data_id) REFERENCES event_data (data_id),
    FOREIGN KEY(event_type_id) REFERENCES event_types (event_type_id));
CREATE TABLE states (
    state_id INTEGER NOT NULL, entity_id CHAR(0), state VARCHAR(255), attributes CHAR(0),
    event_id SMALLINT, last_changed CHAR(0), last_changed_ts FLOAT, last_reported_ts FLOAT,
    last_updated CHAR(0), last_updated_ts FLOAT, old_state_id INTEGER, attributes_id INTEGER,
    context_id CHAR(0), context_user_id CHAR(0), context_parent_id CHAR(0), origin_idx SMALLINT,
    context_id_bin BLOB, context_user_id_bin BLOB, context_parent_id_bin BLOB,
    metadata_id INTEGER, PRIMARY KEY (state_id),
    FOREIGN KEY(old_state_id) REFERENCES states (state_id),
    FOREIGN KEY(attributes_id) REFERENCES state_attributes (attributes_id),
    FOREIGN KEY(metadata_id) REFERENCES states_meta (metadata_id));
CREATE TABLE statistics (
    id INTEGER NOT NULL, created CHAR(0), created_ts FLOAT, metadata_id INTEGER, start CHAR(0),
    start_ts FLOAT, mean FLOAT, mean_weight FLOAT, min FLOAT, max FLOAT, last_reset CHAR(0),
    last_reset_ts FLOAT, state FLOAT, sum FLOAT, PRIMARY KEY (id),
    FOREIGN KEY(metadata_id) REFERENCES statistics_meta (id) ON DELETE CASCADE);
CREATE TABLE statistics_short_term (
    id INTEGER NOT NULL, created CHAR(0), created_ts FLOAT, metadata_id INTEGER, start CHAR(0),
    start_ts FLOAT, mean FLOAT, mean_weight FLOAT, min FLOAT, max FLOAT, last_reset CHAR(0),
    last_reset_ts FLOAT, state FLOAT, sum FLOAT, PRIMARY KEY (id),
    FOREIGN KEY(metadata_id) REFERENCES statistics_meta (id) ON DELETE CASCADE);
"""
# created after the rows are in: one sorted build per index instead of a b-tree insert per row
INDEXES_DDL = """
CREATE INDEX ix_event_data_hash ON event_data (hash);
CREATE UNIQUE INDEX ix_event_types_event_type ON event_types (event_type);
CREATE INDEX ix_state_attributes_hash ON state_attributes (hash);
CREATE UNIQUE INDEX ix_states_meta_entity_id ON states_meta (entity_id);
CREATE UNIQUE INDEX ix_statistics_meta_statistic_id ON statistics_meta (statistic_id);
CREATE INDEX ix_recorder_runs_start_end ON recorder_runs (start, "end");
CREATE INDEX ix_statistics_runs_start ON statistics_runs (start);
CREATE INDEX ix_events_event_type_id_time_fired_ts ON events (event_type_id, time_fired_ts);
CREATE INDEX ix_events_context_id_bin ON events (context_id_bin);
CREATE INDEX ix_events_time_fired_ts ON events (time_fired_ts);
CREATE INDEX ix_events_data_id ON events (data_id);
CREATE INDEX ix_states_metadata_id_last_updated_ts ON states (metadata_id, last_updated_ts);
CREATE INDEX ix_states_context_id_bin ON states (context_id_bin);
CREATE INDEX ix_states_last_updated_ts ON states (last_updated_ts);
CREATE INDEX ix_states_old_state_id ON states (old_state_id);
CREATE INDEX ix_states_attributes_id ON states (attributes_id);
CREATE UNIQUE INDEX ix_statistics_statistic_id_start_ts ON statistics (metadata_id, start_ts);
CREATE INDEX ix_statistics_start_ts ON statistics (start_ts);
CREATE UNIQUE INDEX ix_statistics_short_term_statistic_id_start_ts
    ON statistics_short_term (metadata_id, start_ts);
CREATE INDEX ix_statistics_short_term_start_ts ON statistics_short_term (start_ts);
"""


@dataclass(frozen=True)
class RecorderInput:
    """One home's history. `events` columns: ts (epoch ms, int64, sorted), event_type
    (`state_changed` | `automation_triggered`), entity_id, state (None on runs), attributes
    (JSON text; a run's event data), context (16-byte ULID), parent (16 bytes or None);
    `entities`: the home's entity table (automation entities included)."""

    home_id: str
    events: pd.DataFrame
    entities: pd.DataFrame
    start: dt.datetime
    end: dt.datetime

    @property
    def boot(self) -> dt.datetime:
        return self.start - dt.timedelta(seconds=BOOT_BEFORE_S)


def fnv1a_32(data: bytes) -> int:
    """The hash Home Assistant keys shared attributes and event data with."""
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def _json(value: dict[str, Any]) -> str:
    """Compact JSON with raw UTF-8, as Home Assistant's orjson encoder writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _sql_datetime(moment: dt.datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text (UTC, naive)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _recorded(domain: str, attributes: dict[str, Any]) -> dict[str, Any]:
    drop = UNRECORDED_ALL | UNRECORDED.get(domain, frozenset())
    return {k: v for k, v in attributes.items() if k not in drop}


def _static_attributes(entities: pd.DataFrame) -> dict[str, tuple[str, dict, dict]]:
    """entity id -> (domain, recorded attributes before, after the changing ones), in the
    order Home Assistant builds a state's attributes (capabilities first, friendly name
    last)."""
    out = {}
    for e in entities.itertuples(index=False):
        state_class = e.state_class if isinstance(e.state_class, str) else None
        before = _recorded(e.domain, entity_capabilities(e.domain, state_class) or {})
        after = {}
        if isinstance(e.unit_of_measurement, str):
            after["unit_of_measurement"] = e.unit_of_measurement
        if isinstance(e.device_class, str):
            after["device_class"] = e.device_class
        after["friendly_name"] = e.friendly_name
        out[e.entity_id] = (e.domain, before, after)
    return out


def _state_attributes(
    rows: pd.DataFrame, entities: pd.DataFrame, entity_codes: np.ndarray, entity_ids: pd.Index
) -> tuple[np.ndarray, list[tuple]]:
    """Deduplicated shared attributes: (attributes_id per state row, rows of the table).

    Only distinct (entity, attributes) pairs are turned into JSON: a few hundred per home."""
    attr_codes, attr_values = pd.factorize(rows.attributes, sort=False)
    base = len(attr_values) + 1
    pair, pairs = pd.factorize(entity_codes.astype(np.int64) * base + attr_codes)
    static = _static_attributes(entities)
    parsed = [json.loads(a) if a else {} for a in attr_values]
    shared: dict[str, int] = {}
    pair_to_id = np.empty(len(pairs), np.int64)
    for i, key in enumerate(pairs.tolist()):
        domain, before, after = static.get(entity_ids[key // base], ("", {}, {}))
        text = _json({**before, **_recorded(domain, parsed[key % base]), **after})
        pair_to_id[i] = shared.setdefault(text, len(shared) + 1)
    rows_out = [(i, fnv1a_32(t.encode()), t) for t, i in shared.items()]
    return pair_to_id[pair], rows_out


def initial_states(entities: pd.DataFrame, events: pd.DataFrame) -> list[str]:
    """The state each entity has when Home Assistant starts: the one before its first change
    (the opposite of an on/off-like first state, the first reading's own state for a
    thermostat), `unknown` for a sensor that has not reported yet, and a domain's resting
    state for an entity that never changes."""
    changes = events[events.event_type == "state_changed"]
    first = changes.groupby("entity_id", sort=False).state.first()
    out = []
    for e in entities.itertuples(index=False):
        state = first.get(e.entity_id)
        if e.domain == "automation":
            out.append("on")
        elif e.domain == "sensor" or state is None:
            out.append(_RESTING.get(e.domain, "unknown"))
        elif e.domain == "climate":
            out.append(str(state))
        else:
            out.append(_OPPOSITE.get(str(state), _RESTING.get(e.domain, "unknown")))
    return out


def _state_rows(inp: RecorderInput) -> pd.DataFrame:
    """Every state row in time order: each entity's state at start-up, the history, and the
    automation entity's own state each time a run starts (its `last_triggered` changes; the
    recorder writes the row although no recorded attribute changes)."""
    ev = inp.events
    changes = ev[ev.event_type == "state_changed"]
    runs = ev[ev.event_type == "automation_triggered"]
    n_ent = len(inp.entities)
    boot_ms = int(inp.boot.timestamp() * 1000)
    startup = pd.DataFrame(
        {
            "ts": boot_ms + 100 + np.arange(n_ent, dtype=np.int64),
            "entity_id": inp.entities.entity_id.astype(str).to_numpy(),
            "state": initial_states(inp.entities, ev),
            "attributes": "{}",
            "context": ulid_bytes(
                np.full(n_ent, boot_ms + 100, np.int64),
                np.arange(n_ent),
                stable_int("startup", inp.home_id),
            ),
            "parent": None,
        }
    )
    automation = pd.DataFrame(
        {
            "ts": runs.ts.to_numpy(np.int64),
            "entity_id": runs.entity_id.to_numpy(),
            "state": "on",
            "attributes": "{}",
            "context": runs.context.to_numpy(),
            "parent": runs.parent.to_numpy(),
        }
    )
    history = changes[["ts", "entity_id", "state", "attributes", "context", "parent"]]
    rows = pd.concat([startup, history, automation], ignore_index=True)
    order = np.argsort(rows.ts.to_numpy(np.int64), kind="stable")
    return rows.iloc[order].reset_index(drop=True)


def _states(inp: RecorderInput) -> tuple[list[tuple], list[tuple], list[tuple], int]:
    """Rows of states, states_meta and state_attributes, and the number of state rows."""
    ev = _state_rows(inp)
    n = len(ev)
    state_id = np.arange(1, n + 1, dtype=np.int64)
    meta_code, entity_ids = pd.factorize(ev.entity_id.astype(str), sort=False)
    state_text = ev.state.astype(str).to_numpy()
    # previous row of the same entity: sort by (entity, time) once, then shift
    order = np.lexsort((state_id, meta_code))
    same = np.append(False, meta_code[order][1:] == meta_code[order][:-1])
    prev_pos = np.full(n, -1, np.int64)
    prev_pos[order[1:]] = np.where(same[1:], order[:-1], -1)
    has_prev = prev_pos >= 0
    old_state_id = np.where(has_prev, prev_pos + 1, 0)
    ts = ev.ts.to_numpy(np.int64) / 1000.0
    # last_changed only moves when the state text changes (attribute-only updates keep it)
    changed = ~has_prev | (state_text != state_text[np.maximum(prev_pos, 0)])
    sorted_changed = changed[order]
    carrier = np.maximum.accumulate(np.where(sorted_changed, np.arange(n), 0))
    last_changed = np.empty(n)
    last_changed[order] = ts[order][carrier]
    attributes_id, attr_rows = _state_attributes(ev, inp.entities, meta_code, entity_ids)
    rows = list(
        zip(
            state_id.tolist(),
            state_text.tolist(),
            [
                None if c else lc
                for c, lc in zip(changed.tolist(), last_changed.tolist(), strict=True)
            ],
            ts.tolist(),
            [None if o == 0 else o for o in old_state_id.tolist()],
            attributes_id.tolist(),
            ev.context.tolist(),
            ev.parent.tolist(),
            (meta_code + 1).tolist(),
            strict=True,
        )
    )
    meta_rows = [(i + 1, e) for i, e in enumerate(entity_ids)]
    return rows, meta_rows, attr_rows, n


def _events(inp: RecorderInput) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Rows of events, event_types and event_data: `homeassistant_start` and `…_started` at
    boot, every `automation_triggered` with its run's context and parent, and
    `homeassistant_stop` at the end of the window."""
    boot, end = inp.boot.timestamp(), inp.end.timestamp()
    salt = stable_int("events", inp.home_id)
    own = ulid_bytes(
        np.array([int(boot * 1000), int(boot * 1000) + 1000, int(end * 1000)], np.int64),
        np.arange(3),
        salt,
    )
    runs = inp.events[inp.events.event_type == "automation_triggered"]
    items: list[tuple[float, str, str | None, bytes, bytes | None]] = [
        (boot, "homeassistant_start", None, own[0], None),
        (boot + 1.0, "homeassistant_started", None, own[1], None),
    ]
    items += list(
        zip(
            (runs.ts.to_numpy(np.int64) / 1000.0).tolist(),
            ["automation_triggered"] * len(runs),
            [_json(json.loads(d)) for d in runs.attributes.tolist()],
            runs.context.tolist(),
            runs.parent.tolist(),
            strict=True,
        )
    )
    items.append((end, "homeassistant_stop", None, own[2], None))
    items.sort(key=lambda item: item[0])
    types: dict[str, int] = {}
    datas: dict[str, int] = {}
    rows = []
    for event_id, (fired, event_type, data, ctx, parent) in enumerate(items, start=1):
        type_id = types.setdefault(event_type, len(types) + 1)
        data_id = None if data is None else datas.setdefault(data, len(datas) + 1)
        rows.append((event_id, 0, fired, data_id, ctx, parent, type_id))
    type_rows = [(i, t) for t, i in types.items()]
    data_rows = [(i, fnv1a_32(d.encode()), d) for d, i in datas.items()]
    return rows, type_rows, data_rows


def _statistics(inp: RecorderInput) -> tuple[list[tuple], list[tuple]]:
    """Rows of statistics_meta and statistics (hourly) for numeric sensors with a state class."""
    ev = inp.events
    sensors = inp.entities[inp.entities.state_class.isin(["measurement", "total_increasing"])]
    sensors = sensors.set_index("entity_id")
    numeric = pd.to_numeric(ev.state.astype(str), errors="coerce").to_numpy()
    keep = np.isfinite(numeric) & ev.entity_id.astype(str).isin(sensors.index).to_numpy()
    entity = ev.entity_id.astype(str).to_numpy()[keep]
    codes, names = pd.factorize(entity, sort=True)
    t = ev.ts.to_numpy(np.int64)[keep] / 1000.0
    v = numeric[keep]
    order = np.lexsort((t, codes))
    codes, t, v = codes[order], t[order], v[order]
    end = inp.end.timestamp()
    kinds = sensors.state_class.reindex(names).to_numpy()
    meta_rows: list[tuple] = []
    stat_rows: list[tuple] = []
    for kind, compute in (
        ("measurement", measurement_stats),
        ("total_increasing", total_increasing_stats),
    ):
        wanted = np.isin(codes, np.flatnonzero(kinds == kind))
        frame = compute(codes[wanted], t[wanted], v[wanted], end)
        meta_id = {}
        for code in sorted(set(frame.code.tolist())):
            unit = sensors.unit_of_measurement.get(names[code])
            unit = unit if isinstance(unit, str) else None
            meta_id[code] = len(meta_rows) + 1
            has_mean = kind == "measurement"
            meta_rows.append(
                (
                    meta_id[code],
                    names[code],
                    "recorder",
                    unit,
                    _UNIT_CLASS.get(unit) if unit else None,
                    has_mean,
                    not has_mean,
                    None,
                    _MEAN_ARITHMETIC if has_mean else 0,
                )
            )
        ids = frame.code.map(meta_id).tolist()
        start_ts = frame.start.tolist()
        created = (frame.start + 3610.0).tolist()  # compiled 10 s after the hour closes
        none = [None] * len(frame)
        if kind == "measurement":
            cols = (
                frame["mean"].tolist(),
                frame["min"].tolist(),
                frame["max"].tolist(),
                none,
                none,
            )
        else:
            cols = (none, none, none, frame["state"].tolist(), frame["sum"].tolist())
        stat_rows.extend(zip(created, ids, start_ts, *cols, strict=True))
    stat_rows = [(i, *row) for i, row in enumerate(stat_rows, start=1)]
    return meta_rows, stat_rows


def _run_script(con: sqlite3.Connection, script: str) -> None:
    """Run `;`-separated statements inside the open transaction (executescript would commit)."""
    for statement in script.split(";"):
        if statement.strip():
            con.execute(statement)


def write_recorder_db(path: Path, inp: RecorderInput) -> dict[str, int]:
    """Create `path` (must not exist) with the whole history in one transaction; returns row
    counts per table."""
    states, meta, attrs, _ = _states(inp)
    events, event_types, event_data = _events(inp)
    stats_meta, stats = _statistics(inp)
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=MEMORY")  # session-only: the file is staged anyway
        con.execute("PRAGMA synchronous=OFF")
        con.execute("BEGIN")
        _run_script(con, TABLES_DDL)
        con.executemany("INSERT INTO states_meta VALUES (?, ?)", meta)
        con.executemany("INSERT INTO state_attributes VALUES (?, ?, ?)", attrs)
        con.executemany(
            "INSERT INTO states (state_id, state, last_changed_ts, last_updated_ts, old_state_id,"
            " attributes_id, context_id_bin, context_parent_id_bin, metadata_id, origin_idx)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            states,
        )
        con.executemany("INSERT INTO event_types VALUES (?, ?)", event_types)
        con.executemany("INSERT INTO event_data VALUES (?, ?, ?)", event_data)
        con.executemany(
            "INSERT INTO events (event_id, origin_idx, time_fired_ts, data_id, context_id_bin,"
            " context_parent_id_bin, event_type_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            events,
        )
        con.executemany(
            "INSERT INTO statistics_meta VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", stats_meta
        )
        con.executemany(
            "INSERT INTO statistics (id, created_ts, metadata_id, start_ts, mean, min, max, state,"
            " sum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            stats,
        )
        # one run, closed cleanly at the stop (closed_incorrect 0): Home Assistant finds no
        # unfinished session to end at its next start
        boot, end = _sql_datetime(inp.boot), _sql_datetime(inp.end)
        created = _sql_datetime(inp.boot + dt.timedelta(milliseconds=5))
        con.execute("INSERT INTO recorder_runs VALUES (1, ?, ?, 0, ?)", (boot, end, created))
        con.execute("INSERT INTO schema_changes VALUES (1, ?, ?)", (SCHEMA_VERSION, boot))
        last_period = inp.end - dt.timedelta(minutes=5)
        con.execute("INSERT INTO statistics_runs VALUES (1, ?)", (_sql_datetime(last_period),))
        _run_script(con, INDEXES_DDL)
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return {
        "states": len(states),
        "states_meta": len(meta),
        "state_attributes": len(attrs),
        "events": len(events),
        "event_types": len(event_types),
        "event_data": len(event_data),
        "statistics_meta": len(stats_meta),
        "statistics": len(stats),
    }
