"""Export one simulated home as a Home Assistant configuration directory.

`write_ha_snapshot` checks everything first (home id, source, target) and raises
`SnapshotError` before anything is written; the directory is then assembled in a staging folder
next to the target and renamed into place, so a crash never leaves half a config directory.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import yaml

from homeiq_assets.export.home_assistant.recorder import RecorderInput, write_recorder_db
from homeiq_assets.export.home_assistant.registries import (
    build_registries,
    home_title,
    read_storage,
    write_storage,
)
from homeiq_assets.sim.tables import SCHEMAS, TableDirs, TableSource, table_dir
from homeiq_assets.storage import discard_dir, publish_dir, staging_dir
from homeiq_assets.workers import map_in_workers

HOME_ID = re.compile(r"^h\d{5}$")
LAYOUT_TABLES = ("homes", "floors", "areas", "labels", "devices", "entities")
REQUIRED_TABLES = (*LAYOUT_TABLES, "events")
DB_FILE = "home-assistant_v2.db"
# region -> (ISO country, currency) for the core config
_COUNTRY = {
    "us_northeast": ("US", "USD"),
    "us_south": ("US", "USD"),
    "us_west": ("US", "USD"),
    "uk": ("GB", "GBP"),
    "germany": ("DE", "EUR"),
    "nordics": ("SE", "SEK"),
    "australia_se": ("AU", "AUD"),
}


class SnapshotError(ValueError):
    """Bad input to the exporter; `option` names what was wrong (home, source or out)."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


def _dataset(source: TableSource, name: str) -> ds.Dataset:
    return ds.dataset(table_dir(source, name), format="parquet")


def _check_source(source: TableSource) -> None:
    missing = []
    for name in REQUIRED_TABLES:
        folder = table_dir(source, name)
        if not folder.is_dir() or not any(folder.glob("*.parquet")):
            missing.append(name)
    if missing:
        where = source if isinstance(source, Path) else "the table source"
        raise SnapshotError(
            f"{where} is not simulator output (missing tables: {', '.join(missing)}); "
            "write one with `homeiq generate --out DIR`",
            "source",
        )


def _home_frame(source: TableSource, name: str, home_id: str) -> pd.DataFrame:
    table = _dataset(source, name).to_table(filter=ds.field("home_id") == home_id)
    return table.to_pandas()


def _check_home(source: TableSource, home_id: str) -> dict[str, Any]:
    homes = _home_frame(source, "homes", home_id)
    if len(homes):
        return homes.iloc[0].to_dict()
    known = _dataset(source, "homes").to_table(columns=["home_id"]).column("home_id")
    known = sorted(pc.unique(known).to_pylist())
    shown = ", ".join(known[:5]) + (f", … ({len(known)} homes)" if len(known) > 5 else "")
    raise SnapshotError(f"unknown home {home_id!r}; homes here: {shown or 'none'}", "home")


def _check_out(out_dir: Path, source: TableSource, force: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise SnapshotError(f"{out_dir} exists and is not a directory", "out")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise SnapshotError(f"{out_dir} exists and is not empty; pass --force to replace it", "out")
    if isinstance(source, Path):
        target, src = out_dir.resolve(), source.resolve()
        if target == src or target in src.parents:
            raise SnapshotError(f"{out_dir} would replace the simulator output it reads", "out")


def _binary(column: pa.ChunkedArray) -> np.ndarray:
    """16-byte context ids as an object array of bytes (None where missing)."""
    return np.asarray(column.to_pylist(), dtype=object)


def _events(source: TableSource, home_id: str) -> pd.DataFrame:
    """The home's events in time order with their Home Assistant contexts (ground-truth
    columns are not read: the snapshot holds what Home Assistant would hold)."""
    table = _dataset(source, "events").to_table(
        columns=[
            "ts",
            "event_type",
            "entity_id",
            "state",
            "attributes",
            "context_id",
            "context_parent_id",
        ],
        filter=ds.field("home_id") == home_id,
    )
    ts_ms = pc.cast(table.column("ts"), pa.int64()).to_numpy()

    def text(name: str) -> np.ndarray:
        return pc.cast(table.column(name), pa.string()).to_numpy(zero_copy_only=False)

    attributes = text("attributes")
    frame = pd.DataFrame(
        {
            "ts": ts_ms,
            "event_type": text("event_type"),
            "entity_id": text("entity_id"),
            "state": text("state"),
            "attributes": np.where(pd.isna(attributes), "{}", attributes),
            "context": _binary(table.column("context_id")),
            "parent": _binary(table.column("context_parent_id")),
        }
    )
    return frame.sort_values("ts", kind="stable", ignore_index=True)


def _window(events: pd.DataFrame) -> tuple[dt.datetime, dt.datetime]:
    """The simulated days: midnight UTC before the first event to midnight after the last."""
    if not len(events):
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        return epoch, epoch + dt.timedelta(days=1)
    first = dt.datetime.fromtimestamp(events.ts.iloc[0] / 1000, dt.UTC)
    last = dt.datetime.fromtimestamp(events.ts.iloc[-1] / 1000, dt.UTC)
    start = first.replace(hour=0, minute=0, second=0, microsecond=0)
    end = last.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    return start, end


def configuration_yaml(home: dict[str, Any]) -> str:
    """configuration.yaml of the home: its place and clock, and a recorder that keeps the
    exported history (auto purge off, or the first night would delete it). No `db_url`: Home
    Assistant's default is `home-assistant_v2.db` in the config directory, so the folder can
    be moved or mounted anywhere (e.g. as /config in a container)."""
    country, currency = _COUNTRY.get(str(home.get("region")), (None, None))
    core: dict[str, Any] = {
        "name": home_title(home),
        "latitude": round(float(home["latitude"]), 5),
        "longitude": round(float(home["longitude"]), 5),
        "elevation": 0,
        "unit_system": "metric",
        "time_zone": str(home["timezone"]),
    }
    if country:
        core |= {"country": country, "currency": currency}
    config = {
        "default_config": None,
        "homeassistant": core,
        "recorder": {"auto_purge": False},
    }
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    return text.replace("default_config: null", "default_config:")


def write_ha_snapshot(
    source: TableSource, home_id: str, out_dir: Path, *, force: bool = False
) -> dict[str, Any]:
    """Write home `home_id` of `source` as a Home Assistant config directory at `out_dir`.

    Raises SnapshotError (nothing written) for a malformed or unknown home id, a source that is
    not simulator output, or a non-empty `out_dir` without `force`. Returns counts and seconds.
    """
    started = time.perf_counter()
    if not isinstance(home_id, str) or not HOME_ID.match(home_id):
        raise SnapshotError(f"home id must look like h00042 (got {home_id!r})", "home")
    out_dir = Path(out_dir).expanduser()
    _check_source(source)
    home = _check_home(source, home_id)
    _check_out(out_dir, source, force)

    layout = {name: _home_frame(source, name, home_id) for name in LAYOUT_TABLES[1:]}
    events = _events(source, home_id)
    start, end = _window(events)
    registries = build_registries(home, created_at=start, **layout)
    recorder_input = RecorderInput(
        home_id=home_id, events=events, entities=layout["entities"], start=start, end=end
    )

    staging = staging_dir(out_dir)
    try:
        (staging / "configuration.yaml").write_text(configuration_yaml(home), encoding="utf-8")
        write_storage(registries, staging / ".storage")
        rows = write_recorder_db(staging / DB_FILE, recorder_input)
        publish_dir(staging, out_dir)
    except BaseException:
        discard_dir(staging)
        raise
    return {
        "home_id": home_id,
        "out_dir": str(out_dir),
        "floors": len(layout["floors"]),
        "areas": len(layout["areas"]),
        "labels": len(layout["labels"]),
        "devices": len(layout["devices"]),
        "entities": len(layout["entities"]),
        **rows,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "seconds": round(time.perf_counter() - started, 3),
    }


def write_ha_snapshots(
    source: TableSource, home_ids: list[str], out_dir: Path, workers: int = 1
) -> dict[str, dict[str, Any]]:
    """`write_ha_snapshot` of each home into `out_dir/<home id>`, in `workers` processes (a
    home's directory depends on that home alone); its counts by home, in the given order."""
    dirs = TableDirs.of(source, SCHEMAS)  # looked up here: a Dagster store's locator is a closure
    jobs = [(dirs, home, Path(out_dir) / home) for home in home_ids]
    return dict(zip(home_ids, map_in_workers(_snapshot_of, jobs, workers), strict=True))


def _snapshot_of(job: tuple) -> dict[str, Any]:
    source, home, out_dir = job
    return write_ha_snapshot(source, home, out_dir)


def read_ha_snapshot(out_dir: Path) -> dict[str, Any]:
    """What a config directory written by `write_ha_snapshot` holds: the parsed
    configuration.yaml, every `.storage` document, and row counts of the recorder tables."""
    out_dir = Path(out_dir)
    config = yaml.safe_load((out_dir / "configuration.yaml").read_text(encoding="utf-8"))
    con = sqlite3.connect(f"file:{out_dir / DB_FILE}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()
    return {"configuration": config, "storage": read_storage(out_dir / ".storage"), "rows": counts}
