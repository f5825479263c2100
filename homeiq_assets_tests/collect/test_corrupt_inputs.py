"""Corrupted inputs end in one line naming the file (or the missing partition): exit code 2 on
the command line, a failed step with that message in Dagster, and nothing half-written."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from homeiq_assets.cli.main import main
from homeiq_assets.readers import CorruptInputError, read_json, read_table
from homeiq_assets.sim.config import SimConfig
from homeiq_assets.sim.fleet import generate_fleet
from homeiq_assets.storage import write_json_atomic


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny-fleet")
    config = SimConfig(homes=2, days=2, seed=5, start=dt.date(2026, 3, 2))
    write_json_atomic(generate_fleet(config, out, workers=1), out / "summary.json")
    return out


def _copy(tiny: Path, tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(tiny, src)
    return src


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _collect(src: Path, out: Path, capsys) -> tuple[int, list[str]]:
    code = main(["collect", "--from", str(src), "--out", str(out), "--cycle", "k1"])
    err = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    return code, err


def test_a_truncated_parquet_file_is_named_in_one_line(tiny, tmp_path, capsys):
    src = _copy(tiny, tmp_path)
    shard = sorted((src / "events").glob("*.parquet"))[0]
    _truncate(shard)
    out = tmp_path / "out"
    code, err = _collect(src, out, capsys)
    assert code == 2
    (line,) = err
    assert str(shard) in line and "not a readable Parquet file" in line
    assert "Traceback" not in capsys.readouterr().err
    assert not (out / "training_data").exists()  # nothing half-written


def test_a_foreign_parquet_file_is_named(tiny, tmp_path, capsys):
    src = _copy(tiny, tmp_path)
    foreign = src / "devices" / "zz-other.parquet"
    pq.write_table(pa.table({"x": [1, 2]}), foreign)
    code, err = _collect(src, tmp_path / "out", capsys)
    assert code == 2
    (line,) = err
    assert str(foreign) in line and "another table" in line and "device_id" in line


def test_a_malformed_json_record_is_named(tiny, tmp_path, capsys):
    src = _copy(tiny, tmp_path)
    (src / "summary.json").write_text('{"seed": 5, "homes": ')
    code, err = _collect(src, tmp_path / "out", capsys)
    assert code == 2
    (line,) = err
    assert str(src / "summary.json") in line and "not valid JSON" in line


def test_the_readers_name_the_file(tmp_path):
    bad = tmp_path / "t" / "part-0.parquet"
    bad.parent.mkdir()
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(CorruptInputError, match=str(bad)):
        read_table(bad.parent)
    with pytest.raises(CorruptInputError, match="missing"):
        read_json(tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CorruptInputError, match="bin.json"):
        read_json(tmp_path / "bin.json")


def _store_layout(tiny: Path, root: Path, cycle: str) -> None:
    """The tiny fleet laid out the way the data store keeps a materialised cycle."""
    from homeiq_assets.defs.shared.resources import ASSET_TABLES

    for asset, tables in ASSET_TABLES.items():
        for table in tables:
            if (tiny / table).exists():
                shutil.copytree(tiny / table, root / asset / cycle / table)
    shutil.copy(tiny / "summary.json", root / "homes" / cycle / "summary.json")


def test_in_dagster_a_bad_file_or_a_missing_partition_fails_the_step_naming_it(tiny, tmp_path):
    from homeiq_assets.defs.collection.assets import detected_patterns
    from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME
    from homeiq_assets.defs.shared.resources import DataStore

    root = tmp_path / "data"
    _store_layout(tiny, root, "k1")
    shard = sorted((root / "events" / "k1" / "events").glob("*.parquet"))[0]
    _truncate(shard)
    store = DataStore(base_dir=str(root))

    def failure(cycle: str) -> str:
        result = dg.materialize(
            [detected_patterns],
            instance=instance,
            partition_key=cycle,
            resources={"store": store},
            raise_on_error=False,
        )
        assert not result.success
        (event,) = [e for e in result.all_events if e.is_step_failure]
        assert not (root / "detected_patterns" / cycle).exists()  # nothing written
        return event.event_specific_data.user_failure_data.description

    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CYCLE_PARTITIONS_NAME, ["k1", "k2"])
        text = failure("k1")
        assert str(shard) in text and "not a readable Parquet file" in text
        assert "\n" not in text
        missing = failure("k2")
        assert "homes for cycle 'k2' are not materialised" in missing
