"""Open a `homeiq export-ha` snapshot with Home Assistant's own code (optional, not in CI).

Run inside a virtual environment that has `homeassistant` installed (on Python 3.11 the newest
is 2024.3.x: `python3.11 -m venv /tmp/havenv && /tmp/havenv/bin/pip install
homeassistant==2024.3.3 SQLAlchemy==2.0.27 fnv-hash-fast psutil-home-assistant`):

    /tmp/havenv/bin/python tools/ha_check.py CONFIG_DIR

It reads the recorder database through Home Assistant's SQLAlchemy models (states with their
metadata and attributes, statistics, events, recorder runs) and loads each `.storage` registry
through Home Assistant's registry stores, which migrate and re-serialise them, then compares
entity ids, device links, areas, floors and labels with the files as written. Prints one line
per check and exits non-zero on the first mismatch.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
from pathlib import Path

from homeassistant.components.recorder import db_schema as s
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry,
    device_registry,
    entity_registry,
    floor_registry,
    label_registry,
)
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session


def check_recorder(db: Path) -> None:
    engine = create_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        version = session.execute(select(func.max(s.SchemaChanges.schema_version))).scalar()
        states = session.execute(select(func.count()).select_from(s.States)).scalar()
        joined = session.execute(
            select(func.count())
            .select_from(s.States)
            .join(s.StatesMeta, s.States.metadata_id == s.StatesMeta.metadata_id)
            .join(s.StateAttributes, s.States.attributes_id == s.StateAttributes.attributes_id)
        ).scalar()
        attrs = session.execute(select(s.StateAttributes).limit(50)).scalars().all()
        for a in attrs:
            a.to_native()  # the attribute JSON Home Assistant would load
        stats = session.execute(select(func.count()).select_from(s.Statistics)).scalar()
        meta = session.execute(select(s.StatisticsMeta)).scalars().all()
        events = session.execute(
            select(func.count())
            .select_from(s.Events)
            .join(s.EventTypes, s.Events.event_type_id == s.EventTypes.event_type_id)
        ).scalar()
        run = session.execute(select(s.RecorderRuns)).scalars().first().to_native()
    assert joined == states, f"{states - joined} states without metadata or attributes"
    print(
        f"recorder: schema {version}, {states} states (all with metadata and attributes), "
        f"{stats} statistics rows for {len(meta)} series, {events} events, "
        f"run {run.start}…{run.end}"
    )


REGISTRIES = {
    "entity_registry": (entity_registry, "entities", ["entity_id", "device_id", "labels"]),
    "device_registry": (device_registry, "devices", ["id", "area_id", "labels"]),
    "area_registry": (area_registry, "areas", ["id", "floor_id", "labels"]),
    "floor_registry": (floor_registry, "floors", ["floor_id", "level"]),
    "label_registry": (label_registry, "labels", ["label_id", "name"]),
}


def _facts(doc: dict, key: str, fields: list[str]) -> set[str]:
    """Comparable facts of each item (label lists are sets in Home Assistant)."""

    def norm(v: object) -> object:
        return sorted(v) if isinstance(v, list) else v

    return {
        json.dumps({f: norm(item.get(f)) for f in fields}, sort_keys=True)
        for item in doc["data"][key]
    }


async def check_registries(config: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="ha-check-"))
    shutil.copytree(config / ".storage", work / ".storage")
    hass = HomeAssistant(str(work))
    for module in (label_registry, floor_registry, area_registry, device_registry):
        await module.async_load(hass)
    await entity_registry.async_load(hass)
    await hass.async_block_till_done()
    for name, (module, key, fields) in REGISTRIES.items():
        registry = module.async_get(hass)
        store = registry._store
        registry.async_schedule_save()
        await store._async_handle_write_data()  # write what Home Assistant made of the file
        before = json.loads((config / ".storage" / f"core.{name}").read_text())
        after = json.loads((work / ".storage" / f"core.{name}").read_text())
        a, b = _facts(before, key, fields), _facts(after, key, fields)
        assert a == b, f"{name}: {sorted(a - b)[:2]} vs {sorted(b - a)[:2]}"
        print(
            f"{name}: {len(a)} {key} round-trip through Home Assistant "
            f"(file {before['version']}.{before['minor_version']}, "
            f"saved back as {after['version']}.{after['minor_version']})"
        )
    await hass.async_stop(force=True)
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    config = Path(sys.argv[1])
    check_recorder(config / "home-assistant_v2.db")
    asyncio.run(check_registries(config))


if __name__ == "__main__":
    main()
