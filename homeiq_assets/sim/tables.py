"""Explicit Arrow schemas of every simulator table (the output contract; see docs/tables.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa

from homeiq_assets.sim.ha_context import ULID_TYPE
from homeiq_assets.sim.health.table import EPISODES_SCHEMA, HEALTH_SCHEMA

TS = pa.timestamp("ms", tz="UTC")
DICT = pa.dictionary(pa.int32(), pa.string())
LABELS = pa.list_(pa.string())

SCHEMAS: dict[str, pa.Schema] = {
    "homes": pa.schema(
        [
            ("home_id", pa.string()),
            ("home_type", pa.string()),
            ("size_category", pa.string()),
            ("region", pa.string()),
            ("climate_zone", pa.string()),
            ("carbon_region", pa.string()),
            ("tariff", pa.string()),
            ("latitude", pa.float64()),
            ("longitude", pa.float64()),
            ("timezone", pa.string()),
            ("occupants", pa.int32()),
            ("household_archetype", pa.string()),
            ("floor_count", pa.int32()),
            ("area_count", pa.int32()),
            ("device_count", pa.int32()),
            ("entity_count", pa.int32()),
            # ground truth a Home Assistant instance does not record (never a model feature)
            ("gt_floor_area_m2", pa.float64()),
            ("gt_tenure", pa.string()),
        ]
    ),
    "floors": pa.schema(
        [
            ("home_id", pa.string()),
            ("floor_id", pa.string()),
            ("name", pa.string()),
            ("level", pa.int32()),
        ]
    ),
    "areas": pa.schema(
        [
            ("home_id", pa.string()),
            ("area_id", pa.string()),
            ("name", pa.string()),
            ("kind", pa.string()),
            ("floor_id", pa.string()),
            ("indoor", pa.bool_()),
            ("labels", LABELS),
        ]
    ),
    "labels": pa.schema(
        [
            ("home_id", pa.string()),
            ("label_id", pa.string()),
            ("name", pa.string()),
            ("color", pa.string()),
            ("icon", pa.string()),
        ]
    ),
    "devices": pa.schema(
        [
            ("home_id", pa.string()),
            ("device_id", pa.string()),
            ("name", pa.string()),
            ("area_id", pa.string()),
            ("manufacturer", pa.string()),
            ("model", pa.string()),
            ("category", pa.string()),
            ("device_type", pa.string()),
            ("power_source", pa.string()),
            ("labels", LABELS),
        ]
    ),
    "entities": pa.schema(
        [
            ("home_id", pa.string()),
            ("entity_id", pa.string()),
            ("device_id", pa.string()),
            ("domain", pa.string()),
            ("device_class", pa.string()),
            ("unit_of_measurement", pa.string()),
            ("state_class", pa.string()),
            ("name", pa.string()),
            ("has_entity_name", pa.bool_()),
            ("original_name", pa.string()),
            ("friendly_name", pa.string()),
            ("labels", LABELS),
        ]
    ),
    "events": pa.schema(
        [
            ("home_id", DICT),
            ("ts", TS),
            ("event_type", DICT),
            ("entity_id", DICT),
            ("state", DICT),
            ("attributes", DICT),
            ("context_id", ULID_TYPE),
            ("context_parent_id", ULID_TYPE),
            ("gt_cause", DICT),
            ("gt_occurrence", pa.int32()),
        ]
    ),
    "occupancy": pa.schema(
        [
            ("home_id", pa.string()),
            ("occupant_id", pa.string()),
            ("archetype", pa.string()),
            ("start", TS),
            ("end", TS),
            ("state", DICT),
            ("area_id", pa.string()),
        ]
    ),
    "weather": pa.schema(
        [
            ("region", pa.string()),
            ("ts", TS),
            ("temperature_c", pa.float32()),
            ("humidity_pct", pa.float32()),
            ("cloud_cover", pa.float32()),
            ("wind_speed_ms", pa.float32()),
            ("precipitation_mm", pa.float32()),
            ("condition", pa.string()),
        ]
    ),
    "carbon_intensity": pa.schema(
        [
            ("carbon_region", pa.string()),
            ("ts", TS),
            ("intensity_g_per_kwh", pa.float32()),
            ("renewable_share", pa.float32()),
        ]
    ),
    "electricity_price": pa.schema(
        [
            ("region", pa.string()),
            ("tariff", pa.string()),
            ("ts", TS),
            ("price_per_kwh", pa.float32()),
            ("currency", pa.string()),
        ]
    ),
    "calendar": pa.schema(
        [
            ("home_id", pa.string()),
            ("occupant_id", pa.string()),
            ("start", TS),
            ("end", TS),
            ("summary", pa.string()),
            ("kind", pa.string()),
        ]
    ),
    "gt_routines": pa.schema(
        [
            ("home_id", pa.string()),
            ("routine_id", pa.string()),
            ("kind", pa.string()),
            ("template", pa.string()),
            ("description", pa.string()),
            ("automation_entity_id", pa.string()),
            ("trigger_kind", pa.string()),
            ("trigger_entity_id", pa.string()),
            ("trigger_state", pa.string()),
            ("action_entity_ids", LABELS),
            ("action_state", pa.string()),
            ("relationship", pa.string()),
            ("adherence", pa.float64()),
            ("lag_s_mean", pa.float64()),
            ("lag_s_std", pa.float64()),
            ("lag_s_lo", pa.float64()),
            ("lag_s_hi", pa.float64()),
            ("for_s", pa.float64()),
            ("time_local_h", pa.float64()),
            ("params", pa.string()),
            ("opportunities", pa.int32()),
            ("occurrences", pa.int32()),
            ("event_count", pa.int32()),
        ]
    ),
    "device_daily": pa.schema(
        [
            ("home_id", pa.string()),
            ("device_id", pa.string()),
            ("date", pa.date32()),
            ("usage_count", pa.int32()),
            ("location_temp_c", pa.float32()),
        ]
    ),
    "gt_synergies": pa.schema(
        [
            ("home_id", pa.string()),
            ("trigger_device_id", pa.string()),
            ("trigger_entity_id", pa.string()),
            ("action_device_id", pa.string()),
            ("action_entity_id", pa.string()),
            ("relationship", pa.string()),
            ("same_area", pa.bool_()),
            ("candidate", pa.bool_()),
            ("gt_automation_id", pa.string()),
            ("gt_linked", pa.bool_()),
            ("gt_habit_id", pa.string()),
        ]
    ),
    "gt_occurrences": pa.schema(
        [
            ("home_id", pa.string()),
            ("routine_id", pa.string()),
            ("occurrence", pa.int32()),
            ("trigger_ts", TS),
            ("first_event_ts", TS),
            ("lag_s", pa.float64()),
            ("events", pa.int32()),
            ("step", pa.int8()),
        ]
    ),
}

SCHEMAS["device_health"] = HEALTH_SCHEMA
SCHEMAS["health_episodes"] = EPISODES_SCHEMA

# per-home tables built from row dicts (the rest are built from arrays)
ROW_TABLES = (
    "homes",
    "floors",
    "areas",
    "labels",
    "devices",
    "entities",
    "gt_routines",
    "gt_synergies",
)
HOME_TABLES = (
    *ROW_TABLES,
    "gt_occurrences",
    "events",
    "device_daily",
    "occupancy",
    "calendar",
)
CONTEXT_TABLES = ("weather", "carbon_intensity", "electricity_price")
ALL_TABLES = HOME_TABLES + CONTEXT_TABLES

# where a table lives: a `homeiq generate` folder, or a callable (the Dagster data store keeps
# each table under its asset and cycle)
TableSource = Path | Callable[[str], Path]


def table_dir(source: TableSource, name: str) -> Path:
    """Directory of table `name`: `source / name` for a `homeiq generate` folder, or whatever
    the callable says (the Dagster data store keeps tables under their asset)."""
    return source(name) if callable(source) else Path(source) / name


class TableDirs(dict):
    """A `TableSource` whose table directories were looked up in this process: picklable (a
    Dagster store's locator is a closure), so worker processes can be handed it."""

    @classmethod
    def of(cls, source: TableSource, names: Iterable[str]) -> TableDirs:
        return cls({name: table_dir(source, name) for name in names})

    def __call__(self, name: str) -> Path:
        return self[name]
