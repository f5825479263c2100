"""`homeiq export-ha`: one simulated home as a Home Assistant config directory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pytest

from homeiq_assets.cli.main import main
from homeiq_assets.export.home_assistant.recorder import SCHEMA_VERSION, fnv1a_32
from homeiq_assets.export.home_assistant.registries import STORAGE_VERSIONS
from homeiq_assets.export.home_assistant.snapshot import (
    DB_FILE,
    SnapshotError,
    read_ha_snapshot,
    write_ha_snapshot,
    write_ha_snapshots,
)

RECORDER_TABLES = (
    "events",
    "event_data",
    "event_types",
    "states",
    "state_attributes",
    "states_meta",
    "statistics",
    "statistics_short_term",
    "statistics_meta",
    "recorder_runs",
    "schema_changes",
    "statistics_runs",
    "migration_changes",
)


def _table(fleet_dir: Path, name: str, home_id: str) -> pd.DataFrame:
    return ds.dataset(fleet_dir / name).to_table(filter=ds.field("home_id") == home_id).to_pandas()


@pytest.fixture(scope="module")
def home_id(fleet_dir: Path) -> str:
    """The home with the most events: it has every kind of device and automation."""
    ids = ds.dataset(fleet_dir / "events").to_table(columns=["home_id"]).column("home_id")
    return str(ids.to_pandas().value_counts().index[0])


@pytest.fixture(scope="module")
def snapshot(fleet_dir: Path, home_id: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("ha") / "config"
    summary = write_ha_snapshot(fleet_dir, home_id, out)
    return {"out": out, "summary": summary}


@pytest.fixture(scope="module")
def db(snapshot: dict):
    con = sqlite3.connect(f"file:{snapshot['out'] / DB_FILE}?mode=ro", uri=True)
    yield con
    con.close()


def _frame(con: sqlite3.Connection, sql: str) -> pd.DataFrame:
    cur = con.execute(sql)
    return pd.DataFrame(cur.fetchall(), columns=[c[0] for c in cur.description])


def test_layout_and_configuration(snapshot: dict, fleet_dir: Path, home_id: str) -> None:
    out = snapshot["out"]
    read = read_ha_snapshot(out)
    home = _table(fleet_dir, "homes", home_id).iloc[0]
    core = read["configuration"]["homeassistant"]
    assert "default_config" in read["configuration"]
    assert core["time_zone"] == home.timezone and core["unit_system"] == "metric"
    assert core["latitude"] == pytest.approx(home.latitude, abs=1e-4)
    assert read["configuration"]["recorder"] == {"auto_purge": False}  # default db in config dir
    assert set(read["storage"]) == set(STORAGE_VERSIONS)
    for key, doc in read["storage"].items():
        assert (doc["key"], (doc["version"], doc["minor_version"])) == (key, STORAGE_VERSIONS[key])
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no staging left


def test_database_integrity_and_schema(db: sqlite3.Connection, fleet_dir: Path, home_id) -> None:
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    assert db.execute("SELECT schema_version FROM schema_changes").fetchall() == [(SCHEMA_VERSION,)]
    assert SCHEMA_VERSION == 53
    events = _table(fleet_dir, "events", home_id)
    kinds = events.event_type.astype(str).value_counts()
    n_entities = len(_table(fleet_dir, "entities", home_id))
    # the history, a state per entity at start-up, an automation state per run
    expected = kinds["state_changed"] + n_entities + kinds.get("automation_triggered", 0)
    assert db.execute("SELECT count(*) FROM states").fetchone()[0] == expected
    runs = db.execute(
        'SELECT start, "end", closed_incorrect, created FROM recorder_runs'
    ).fetchall()
    assert len(runs) == 1 and runs[0][2] == 0  # closed cleanly: no unfinished session
    start, end, _, created = runs[0]
    assert start < created < end and end.startswith(
        str(events.ts.max().date() + pd.Timedelta(days=1))
    )
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert set(RECORDER_TABLES) <= tables


def test_states_chain_to_the_previous_state_of_their_entity(db: sqlite3.Connection) -> None:
    states = _frame(
        db,
        "SELECT state_id, metadata_id, state, old_state_id, last_updated_ts, last_changed_ts, "
        "last_reported_ts, length(context_id_bin) AS ctx FROM states",
    )
    states = states.sort_values(["metadata_id", "state_id"])
    expected = states.groupby("metadata_id").state_id.shift()
    assert (states.old_state_id.fillna(0) == expected.fillna(0)).all()
    assert (
        states.old_state_id.isna().sum()
        == db.execute("SELECT count(*) FROM states_meta").fetchone()[0]
    )
    assert (states.ctx == 16).all() and states.last_reported_ts.isna().all()
    assert states.groupby("metadata_id").last_updated_ts.is_monotonic_increasing.all()
    # last_changed is stored only when it differs from last_updated: the state text stayed
    prev_state = states.groupby("metadata_id").state.shift()
    kept = states.last_changed_ts.notna()
    assert (states.state[kept] == prev_state[kept]).all()
    assert (states.last_changed_ts[kept] < states.last_updated_ts[kept]).all()
    assert (
        states.state[~kept & prev_state.notna()] != prev_state[~kept & prev_state.notna()]
    ).all()


def test_state_attributes_are_deduplicated_and_hashed(db: sqlite3.Connection) -> None:
    attrs = _frame(db, "SELECT attributes_id, hash, shared_attrs FROM state_attributes")
    assert attrs.shared_attrs.is_unique
    assert all(
        fnv1a_32(t.encode()) == h for t, h in zip(attrs.shared_attrs, attrs.hash, strict=True)
    )
    assert attrs.shared_attrs.str.contains('"friendly_name":').all()
    orphans = db.execute(
        "SELECT count(*) FROM states s LEFT JOIN state_attributes a USING (attributes_id) "
        "WHERE a.attributes_id IS NULL"
    ).fetchone()[0]
    assert orphans == 0


def test_registries_round_trip(snapshot: dict, fleet_dir: Path, home_id: str) -> None:
    storage = read_ha_snapshot(snapshot["out"])["storage"]
    entities = _table(fleet_dir, "entities", home_id)
    devices = _table(fleet_dir, "devices", home_id)
    areas = _table(fleet_dir, "areas", home_id)
    labels = _table(fleet_dir, "labels", home_id)
    floors = _table(fleet_dir, "floors", home_id)

    reg_entities = storage["core.entity_registry"]["data"]["entities"]
    assert {e["entity_id"] for e in reg_entities} == set(entities.entity_id)
    device_of = [d if isinstance(d, str) else None for d in entities.device_id]
    assert {e["entity_id"]: e["device_id"] for e in reg_entities} == dict(
        zip(entities.entity_id, device_of, strict=True)
    )
    people = [e for e in reg_entities if e["entity_id"].startswith("person.")]
    assert people and all(e["platform"] == "person" and e["device_id"] is None for e in people)
    autos = [e for e in reg_entities if e["entity_id"].startswith("automation.")]
    assert autos and all(e["platform"] == "automation" and e["device_id"] is None for e in autos)
    assert all(e["capabilities"] == {"id": e["unique_id"]} for e in autos)
    assert all(e["area_id"] is None for e in reg_entities)  # inherited from the device
    by_id = {e["entity_id"]: e for e in reg_entities}
    for e in entities.itertuples():
        if isinstance(e.state_class, str):
            assert by_id[e.entity_id]["capabilities"] == {"state_class": e.state_class}
        assert by_id[e.entity_id]["original_device_class"] == (
            e.device_class if isinstance(e.device_class, str) else None
        )
    reg_devices = storage["core.device_registry"]["data"]["devices"]
    assert {d["id"]: d["area_id"] for d in reg_devices} == dict(
        zip(devices.device_id, devices.area_id, strict=True)
    )
    entry_ids = {e["entry_id"] for e in storage["core.config_entries"]["data"]["entries"]}
    assert all(set(d["config_entries"]) == entry_ids for d in reg_devices)
    reg_areas = storage["core.area_registry"]["data"]["areas"]
    assert {a["id"]: a["floor_id"] for a in reg_areas} == dict(
        zip(areas.area_id, areas.floor_id, strict=True)
    )
    assert {a["id"]: sorted(a["labels"]) for a in reg_areas} == {
        a.area_id: sorted(a.labels) for a in areas.itertuples()
    }
    reg_labels = storage["core.label_registry"]["data"]["labels"]
    assert {lb["label_id"]: lb["name"] for lb in reg_labels} == dict(
        zip(labels.label_id, labels.name, strict=True)
    )
    reg_floors = storage["core.floor_registry"]["data"]["floors"]
    assert {f["floor_id"]: f["level"] for f in reg_floors} == dict(
        zip(floors.floor_id, floors.level, strict=True)
    )
    # every label used anywhere is in the label registry
    used = {lb for d in reg_devices for lb in d["labels"]} | {
        lb for e in reg_entities for lb in e["labels"]
    }
    assert used <= {lb["label_id"] for lb in reg_labels}


def test_hourly_statistics_for_measurement_sensors(
    db: sqlite3.Connection, fleet_dir: Path, home_id: str
) -> None:
    entities = _table(fleet_dir, "entities", home_id)
    events = _table(fleet_dir, "events", home_id)
    numeric = pd.to_numeric(events.state.astype(str), errors="coerce").notna()
    with_numbers = set(events.entity_id[numeric].astype(str))
    measured = set(entities.entity_id[entities.state_class == "measurement"]) & with_numbers
    meta = _frame(db, "SELECT * FROM statistics_meta")
    assert measured and measured <= set(meta.statistic_id[meta.has_mean == 1])
    assert (meta.source == "recorder").all()
    assert set(meta.statistic_id) <= set(entities.entity_id[entities.state_class.notna()])
    stats = _frame(
        db,
        "SELECT s.*, m.has_mean FROM statistics s JOIN statistics_meta m ON m.id = s.metadata_id",
    )
    means = stats[stats.has_mean == 1]
    assert len(means) and means[["mean", "min", "max"]].notna().all().all()
    assert ((means["min"] <= means["mean"]) & (means["mean"] <= means["max"])).all()
    assert (stats.start_ts % 3600 == 0).all()
    assert not stats.duplicated(["metadata_id", "start_ts"]).any()
    sums = stats[stats.has_mean == 0]
    if len(sums):  # total_increasing meters: sum never decreases
        assert (sums.groupby("metadata_id")["sum"].diff().dropna() >= -1e-9).all()


def test_time_weighted_mean_of_one_sensor(db: sqlite3.Connection) -> None:
    """Recompute one hour by hand from the states table."""
    meta_id, entity_id = db.execute(
        "SELECT id, statistic_id FROM statistics_meta WHERE has_mean = 1 ORDER BY id LIMIT 1"
    ).fetchone()
    rows = db.execute(
        "SELECT s.last_updated_ts, CAST(s.state AS REAL) FROM states s JOIN states_meta m "
        "USING (metadata_id) WHERE m.entity_id = ? AND s.state GLOB '[0-9-]*' "
        "ORDER BY s.last_updated_ts",
        (entity_id,),
    ).fetchall()
    t = np.array([r[0] for r in rows])
    v = np.array([r[1] for r in rows])
    start, mean = db.execute(
        "SELECT start_ts, mean FROM statistics WHERE metadata_id = ? ORDER BY start_ts "
        "LIMIT 1 OFFSET 5",
        (meta_id,),
    ).fetchone()
    grid = np.linspace(start, start + 3600, 36001)[:-1] + 0.05
    held = v[np.searchsorted(t, grid, side="right") - 1]
    assert mean == pytest.approx(held.mean(), rel=1e-3)


def test_automation_runs_carry_their_context_chain(
    db: sqlite3.Connection, fleet_dir: Path, home_id: str
) -> None:
    """One automation_triggered per run with the run's context and, for state triggers, the
    triggering state's context as parent; the changes it caused carry both."""
    routines = _table(fleet_dir, "gt_routines", home_id)
    automations = routines[routines.kind == "automation"]
    events = _table(fleet_dir, "events", home_id)
    runs = events[events.event_type.astype(str) == "automation_triggered"]
    caused = events[
        (events.event_type.astype(str) == "state_changed")
        & events.gt_cause.astype(str).isin(automations.routine_id)
    ]
    triggered = _frame(
        db,
        "SELECT e.context_id_bin, e.context_parent_id_bin, d.shared_data FROM events e "
        "JOIN event_types t USING (event_type_id) LEFT JOIN event_data d USING (data_id) "
        "WHERE t.event_type = 'automation_triggered'",
    )
    assert len(triggered) == len(runs) > 0
    assert set(triggered.context_id_bin) == set(runs.context_id)
    assert not triggered.shared_data.str.contains(home_id).any()  # no gt ids
    assert triggered.shared_data.str.contains('"source":"state of ').any()
    types = {r[0] for r in db.execute("SELECT event_type FROM event_types")}
    assert {"homeassistant_start", "homeassistant_started", "homeassistant_stop"} <= types
    assert "state_changed" not in types
    # the caused changes, plus the automation entity's own state per run, share run contexts
    shared = db.execute(
        "SELECT count(*) FROM states WHERE context_id_bin IN (SELECT context_id_bin FROM events "
        "WHERE context_id_bin IS NOT NULL) AND context_id_bin IN "
        "(SELECT context_id_bin FROM events e JOIN event_types t USING (event_type_id) "
        "WHERE t.event_type = 'automation_triggered')"
    ).fetchone()[0]
    assert shared == len(caused) + len(runs)
    # a parent is always the context of an earlier recorded state (the trigger)
    parents = _frame(
        db,
        "SELECT s.last_updated_ts AS ts, p.last_updated_ts AS parent_ts FROM states s "
        "JOIN states p ON p.context_id_bin = s.context_parent_id_bin",
    )
    with_parent = db.execute(
        "SELECT count(*) FROM states WHERE context_parent_id_bin IS NOT NULL"
    ).fetchone()[0]
    assert len(parents) == with_parent > 0 and (parents.parent_ts <= parents.ts).all()


def test_every_entity_has_a_state_from_start_up(db: sqlite3.Connection, fleet_dir, home_id):
    """Home Assistant records each entity's state when it starts, before any history."""
    entities = _table(fleet_dir, "entities", home_id)
    first = _frame(
        db,
        "SELECT m.entity_id, s.state, s.last_updated_ts, s.old_state_id FROM states s "
        "JOIN states_meta m USING (metadata_id) WHERE s.state_id IN "
        "(SELECT min(state_id) FROM states GROUP BY metadata_id)",
    )
    assert set(first.entity_id) == set(entities.entity_id)
    assert first.old_state_id.isna().all()
    started = db.execute(
        "SELECT e.time_fired_ts FROM events e JOIN event_types t USING (event_type_id) "
        "WHERE t.event_type = 'homeassistant_started'"
    ).fetchone()[0]
    assert (first.last_updated_ts < started).all()
    events = _table(fleet_dir, "events", home_id)
    assert first.last_updated_ts.max() < events.ts.min().timestamp()
    autos = first[first.entity_id.str.startswith("automation.")]
    assert (autos.state == "on").all()


def test_only_recorded_attributes_are_stored(db: sqlite3.Connection, fleet_dir, home_id):
    """Home Assistant 2026.2 does not record a light's brightness or colour modes."""
    attrs = _frame(
        db,
        "SELECT DISTINCT m.entity_id, a.shared_attrs FROM states s JOIN states_meta m "
        "USING (metadata_id) JOIN state_attributes a USING (attributes_id)",
    )
    lights = attrs[attrs.entity_id.str.startswith("light.")]
    assert len(lights) and not lights.shared_attrs.str.contains("brightness|color_mode").any()
    autos = attrs[attrs.entity_id.str.startswith("automation.")]
    assert len(autos) and not autos.shared_attrs.str.contains("last_triggered").any()
    events = _table(fleet_dir, "events", home_id)
    assert events.attributes.astype(str).str.contains("brightness").any()  # kept in the table


def test_registries_are_in_the_order_their_versions_keep(snapshot: dict) -> None:
    storage = read_ha_snapshot(snapshot["out"])["storage"]
    assert STORAGE_VERSIONS["core.area_registry"] == (1, 9)
    assert STORAGE_VERSIONS["core.floor_registry"] == (1, 3)
    names = [a["name"] for a in storage["core.area_registry"]["data"]["areas"]]
    assert names == sorted(names, key=str.casefold)
    levels = [f["level"] for f in storage["core.floor_registry"]["data"]["floors"]]
    assert levels == sorted(levels, reverse=True)


def test_export_is_deterministic(snapshot: dict, fleet_dir: Path, home_id: str, tmp_path) -> None:
    again = tmp_path / "again"
    write_ha_snapshot(fleet_dir, home_id, again)
    first = snapshot["out"]
    for name in sorted(p.name for p in (first / ".storage").iterdir()):
        assert (first / ".storage" / name).read_bytes() == (again / ".storage" / name).read_bytes()
    assert (first / DB_FILE).read_bytes() == (again / DB_FILE).read_bytes()


def _cli(*args: str) -> int:
    return main(["export-ha", *args])


def test_cli_writes_and_force_replaces(fleet_dir: Path, home_id: str, tmp_path, capsys) -> None:
    out = tmp_path / "cfg"
    assert _cli("--home", home_id, "--from", str(fleet_dir), "--out", str(out)) == 0
    assert "states" in capsys.readouterr().out
    (out / "marker").write_text("old")
    assert _cli("--home", home_id, "--from", str(fleet_dir), "--out", str(out)) == 2
    assert "--out" in capsys.readouterr().err and (out / "marker").exists()
    assert _cli("--home", "h00000", "--from", str(fleet_dir), "--out", str(out), "--force") == 0
    assert not (out / "marker").exists() and (out / DB_FILE).exists()
    config = read_ha_snapshot(out)["configuration"]
    assert config["homeassistant"]["name"].startswith("h00000")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cfg"]  # nothing left aside


@pytest.mark.parametrize(
    ("home", "source", "message"),
    [
        ("h99999", "fleet", "unknown home 'h99999'"),
        ("../etc", "fleet", "home id must look like"),
        ("h00000", "empty", "is not simulator output"),
        ("h00000", "missing", "is not a directory"),
    ],
)
def test_cli_rejects_bad_input_before_writing(
    fleet_dir: Path, tmp_path, capsys, home: str, source: str, message: str
) -> None:
    (tmp_path / "empty").mkdir()
    folders = {"fleet": fleet_dir, "empty": tmp_path / "empty", "missing": tmp_path / "nope"}
    out = tmp_path / "out" / "cfg"
    assert _cli("--home", home, "--from", str(folders[source]), "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_unknown_home_lists_homes_and_callable_sources(fleet_dir: Path, tmp_path) -> None:
    with pytest.raises(SnapshotError, match=r"h00000, h00001"):
        write_ha_snapshot(fleet_dir, "h99999", tmp_path / "x")
    with pytest.raises(SnapshotError, match="not simulator output") as info:
        write_ha_snapshot(lambda name: tmp_path / "void" / name, "h00000", tmp_path / "x")
    assert info.value.option == "source"
    assert not (tmp_path / "x").exists()
    summary = write_ha_snapshot(lambda name: fleet_dir / name, "h00001", tmp_path / "x")
    assert summary["states"] > 0 and (tmp_path / "x" / DB_FILE).exists()


def test_several_homes_in_worker_processes_are_each_homes_own_snapshot(
    fleet_dir: Path, home_id: str, snapshot: dict, tmp_path: Path
) -> None:
    """`write_ha_snapshots` on two processes writes each home as `write_ha_snapshot` alone does
    (the store's closure locator is handed to the workers as looked-up directories)."""
    ids = ds.dataset(fleet_dir / "homes").to_table(columns=["home_id"]).column("home_id")
    other = next(h for h in sorted(ids.to_pylist()) if h != home_id)
    homes = [other, home_id]
    counts = write_ha_snapshots(lambda name: fleet_dir / name, homes, tmp_path, workers=2)
    assert list(counts) == homes
    alone = {k: v for k, v in snapshot["summary"].items() if k not in ("seconds", "out_dir")}
    assert {k: v for k, v in counts[home_id].items() if k not in ("seconds", "out_dir")} == alone
    assert read_ha_snapshot(tmp_path / home_id) == read_ha_snapshot(snapshot["out"])
    assert counts[other]["home_id"] == other and counts[other]["states"] > 0
    with pytest.raises(SnapshotError, match="h99999"):
        write_ha_snapshots(fleet_dir, [home_id, "h99999"], tmp_path / "bad", workers=2)
