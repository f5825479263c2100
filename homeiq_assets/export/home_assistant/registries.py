"""The `.storage` registry documents of one simulated home, as Home Assistant 2026.2 stores them.

Field sets and storage versions are those Home Assistant 2026.2.3 writes (checked against its
registry helpers, issue-10 research §1; docs/ha_snapshot.md). Area registry 1.9 and floor
registry 1.3 keep their lists in the user's display order, so they are written the way those
versions' migrations sort them (areas by name, floors from the top level down). Every id is
derived from the simulator's ids, so the same home always exports byte-identical registries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# (major, minor) storage version per `.storage` key
STORAGE_VERSIONS: dict[str, tuple[int, int]] = {
    "core.config_entries": (1, 5),
    "core.floor_registry": (1, 3),
    "core.label_registry": (1, 2),
    "core.area_registry": (1, 9),
    "core.device_registry": (1, 12),
    "core.entity_registry": (1, 20),
}
PLATFORM = "homeiq"  # the integration every simulated device and entity belongs to


def stable_hex(*parts: str) -> str:
    """32 hex characters derived from `parts`: registry ids that never change between runs."""
    return hashlib.md5("/".join(parts).encode()).hexdigest()


def config_entry_id(home_id: str) -> str:
    return stable_hex("config_entry", home_id)


def automation_id(home_id: str, entity_id: str) -> str:
    """The `id` of an automation (in automations.yaml; the UI editor writes a 13-digit
    millisecond timestamp), stable for the same home and entity."""
    return str(int(stable_hex("automation", home_id, entity_id)[:12], 16) % 10**13).zfill(13)


def floor_order(floors: pd.DataFrame) -> pd.DataFrame:
    """Floors as floor registry 1.3 orders them: highest level first, floors without a level
    last, then by name (casefolded)."""
    level = pd.to_numeric(floors["level"], errors="coerce")
    key = pd.DataFrame(
        {"lvl": np.where(level.isna(), np.inf, -level), "name": floors["name"].str.casefold()}
    )
    return floors.iloc[key.sort_values(["lvl", "name"], kind="stable").index]


def area_order(areas: pd.DataFrame) -> pd.DataFrame:
    """Areas as area registry 1.9 orders them: by name, casefolded."""
    return areas.iloc[np.argsort(areas["name"].str.casefold().to_numpy(), kind="stable")]


def storage_document(key: str, data: dict[str, Any]) -> dict[str, Any]:
    """The envelope Home Assistant's Store writes around every registry."""
    major, minor = STORAGE_VERSIONS[key]
    return {"version": major, "minor_version": minor, "key": key, "data": data}


def _none(value: Any) -> Any:
    """pandas' missing values (NaN, None, NA) as JSON null."""
    if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
        return None
    return value


def _labels(value: Any) -> list[str]:
    return [] if value is None else [str(v) for v in value]


def _config_entries(home: dict[str, Any], created: str) -> dict[str, Any]:
    """One config entry owns all devices: without it Home Assistant's registry cleanup would
    drop every device and entity at the first start."""
    return {
        "entries": [
            {
                "created_at": created,
                "data": {"home_id": home["home_id"]},
                "disabled_by": None,
                "discovery_keys": {},
                "domain": PLATFORM,
                "entry_id": config_entry_id(home["home_id"]),
                "minor_version": 1,
                "modified_at": created,
                "options": {},
                "pref_disable_new_entities": False,
                "pref_disable_polling": False,
                "source": "user",
                "subentries": [],
                "title": home_title(home),
                "unique_id": home["home_id"],
                "version": 1,
            }
        ]
    }


def home_title(home: dict[str, Any]) -> str:
    return f"{home['home_id']} {str(home['home_type']).replace('_', ' ').title()}"


def _floors(floors: pd.DataFrame, created: str) -> dict[str, Any]:
    return {
        "floors": [
            {
                "aliases": [],
                "floor_id": f.floor_id,
                "icon": None,
                "level": int(f.level),
                "name": f.name,
                "created_at": created,
                "modified_at": created,
            }
            for f in floor_order(floors).itertuples(index=False)
        ]
    }


def _labels_doc(labels: pd.DataFrame, created: str) -> dict[str, Any]:
    return {
        "labels": [
            {
                "color": _none(lb.color),
                "created_at": created,
                "description": None,
                "icon": _none(lb.icon),
                "label_id": lb.label_id,
                "modified_at": created,
                "name": lb.name,
            }
            for lb in labels.itertuples(index=False)
        ]
    }


def _area_sensors(devices: pd.DataFrame, entities: pd.DataFrame, device_class: str) -> dict:
    """area id -> first sensor of `device_class` in that area (the area card's climate
    readout, which a user picks in the area settings)."""
    sensors = entities[(entities.domain == "sensor") & (entities.device_class == device_class)]
    located = sensors.merge(devices[["device_id", "area_id"]], on="device_id")
    return located.groupby("area_id", sort=False).entity_id.first().to_dict()


def _areas(
    areas: pd.DataFrame, devices: pd.DataFrame, entities: pd.DataFrame, created: str
) -> dict[str, Any]:
    temperature = _area_sensors(devices, entities, "temperature")
    humidity = _area_sensors(devices, entities, "humidity")
    return {
        "areas": [
            {
                "aliases": [],
                "floor_id": _none(a.floor_id),
                "humidity_entity_id": humidity.get(a.area_id),
                "icon": None,
                "id": a.area_id,
                "labels": _labels(a.labels),
                "name": a.name,
                "picture": None,
                "temperature_entity_id": temperature.get(a.area_id),
                "created_at": created,
                "modified_at": created,
            }
            for a in area_order(areas).itertuples(index=False)
        ]
    }


def _devices(home_id: str, devices: pd.DataFrame, created: str) -> dict[str, Any]:
    entry = config_entry_id(home_id)
    return {
        "devices": [
            {
                "area_id": _none(d.area_id),
                "config_entries": [entry],
                "config_entries_subentries": {entry: [None]},
                "configuration_url": None,
                "connections": [],
                "created_at": created,
                "disabled_by": None,
                "entry_type": None,
                "hw_version": None,
                "id": d.device_id,
                "identifiers": [[PLATFORM, d.device_id]],
                "labels": _labels(d.labels),
                "manufacturer": _none(d.manufacturer),
                "model": _none(d.model),
                "model_id": None,
                "modified_at": created,
                "name_by_user": None,
                "name": d.name,
                "primary_config_entry": entry,
                "serial_number": None,
                "sw_version": None,
                "via_device_id": None,
            }
            for d in devices.itertuples(index=False)
        ],
        "deleted_devices": [],
    }


def entity_capabilities(domain: str, state_class: str | None) -> dict[str, Any] | None:
    """What the registry keeps of an entity's capability attributes (state class of sensors,
    colour modes of lights); None when the entity has none."""
    if domain == "sensor" and state_class:
        return {"state_class": state_class}
    if domain == "light":
        return {"supported_color_modes": ["brightness"]}
    return None


def _automation_entity(home_id: str, e: Any, created: str) -> dict[str, Any]:
    """An automation's registry entry: platform `automation`, no config entry or device, its
    `id` as unique id and capability, named by its alias."""
    aid = automation_id(home_id, e.entity_id)
    return {
        "aliases": [],
        "area_id": None,
        "categories": {},
        "capabilities": {"id": aid},
        "config_entry_id": None,
        "config_subentry_id": None,
        "created_at": created,
        "device_class": None,
        "device_id": None,
        "disabled_by": None,
        "entity_category": None,
        "entity_id": e.entity_id,
        "hidden_by": None,
        "icon": None,
        "id": stable_hex("entity", home_id, e.entity_id),
        "has_entity_name": False,
        "labels": _labels(e.labels),
        "modified_at": created,
        "name": None,
        "object_id_base": _none(e.original_name),
        "options": {},
        "original_device_class": None,
        "original_icon": None,
        "original_name": _none(e.original_name),
        "platform": "automation",
        "suggested_object_id": None,
        "supported_features": 0,
        "translation_key": None,
        "unique_id": aid,
        "previous_unique_id": None,
        "unit_of_measurement": None,
    }


def _entities(home_id: str, entities: pd.DataFrame, created: str) -> dict[str, Any]:
    entry = config_entry_id(home_id)
    rows = []
    for e in entities.itertuples(index=False):
        if e.domain == "automation":
            rows.append(_automation_entity(home_id, e, created))
            continue
        device_class = _none(e.device_class)
        # people come from Home Assistant's person integration: no device, no config entry
        person = e.domain == "person"
        rows.append(
            {
                "aliases": [],
                "area_id": None,  # inherited from the device
                "categories": {},
                "capabilities": entity_capabilities(e.domain, _none(e.state_class)),
                "config_entry_id": None if person else entry,
                "config_subentry_id": None,
                "created_at": created,
                "device_class": None,  # user override
                "device_id": _none(e.device_id),
                "disabled_by": None,
                "entity_category": "diagnostic" if device_class == "battery" else None,
                "entity_id": e.entity_id,
                "hidden_by": None,
                "icon": None,
                "id": stable_hex("entity", home_id, e.entity_id),
                "has_entity_name": bool(e.has_entity_name),
                "labels": _labels(e.labels),
                "modified_at": created,
                "name": _none(e.name),
                "object_id_base": _none(e.original_name),
                "options": {},
                "original_device_class": device_class,
                "original_icon": None,
                "original_name": _none(e.original_name),
                "platform": "person" if person else PLATFORM,
                "suggested_object_id": None,
                "supported_features": 0,
                "translation_key": None,
                "unique_id": (
                    e.entity_id.split(".", 1)[1]
                    if person
                    else f"{e.device_id}-{e.entity_id.split('.', 1)[1]}"
                ),
                "previous_unique_id": None,
                "unit_of_measurement": _none(e.unit_of_measurement),
            }
        )
    return {"entities": rows, "deleted_entities": []}


def build_registries(
    home: dict[str, Any],
    floors: pd.DataFrame,
    areas: pd.DataFrame,
    labels: pd.DataFrame,
    devices: pd.DataFrame,
    entities: pd.DataFrame,
    created_at: dt.datetime,
) -> dict[str, dict[str, Any]]:
    """`.storage` key -> document for one home's tables (already filtered to that home).

    `created_at` stamps every entry: the moment the simulated home was "set up".
    """
    created = created_at.isoformat()
    home_id = home["home_id"]
    data = {
        "core.config_entries": _config_entries(home, created),
        "core.floor_registry": _floors(floors, created),
        "core.label_registry": _labels_doc(labels, created),
        "core.area_registry": _areas(areas, devices, entities, created),
        "core.device_registry": _devices(home_id, devices, created),
        "core.entity_registry": _entities(home_id, entities, created),
    }
    return {key: storage_document(key, doc) for key, doc in data.items()}


def write_storage(documents: dict[str, dict[str, Any]], storage_dir: Path) -> None:
    """Write each document as `.storage/<key>`, indented as Home Assistant writes them."""
    storage_dir.mkdir(parents=True, exist_ok=True)
    for key, doc in documents.items():
        text = json.dumps(doc, indent=2, ensure_ascii=False)
        (storage_dir / key).write_text(text + "\n", encoding="utf-8")


def read_storage(storage_dir: Path) -> dict[str, dict[str, Any]]:
    """Every `.storage` document of a config directory, by key."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(storage_dir.iterdir())
        if path.is_file()
    }
