"""`homeiq generate`: the output contract and bad input handling."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.dataset as ds
import pytest

from homeiq_assets.cli.main import main
from homeiq_assets.sim.tables import ALL_TABLES, SCHEMAS


def test_generate_writes_every_table_and_a_summary(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "generate",
            "--homes",
            "3",
            "--days",
            "2",
            "--seed",
            "5",
            "--start",
            "2026-06-01",
            "--out",
            str(out),
            "--workers",
            "1",
        ]
    )
    assert code == 0
    for table in (*ALL_TABLES, "device_health"):
        data = ds.dataset(out / table).to_table()
        assert data.schema.remove_metadata().equals(SCHEMAS[table]), table
        assert data.num_rows > 0, table
    summary = json.loads((out / "summary.json").read_text())
    assert summary["homes"] == 3 and summary["seed"] == 5
    assert summary["rows"]["events"] == ds.dataset(out / "events").count_rows()
    assert sum(summary["home_types"].values()) == 3
    assert summary["config"]["start"] == "2026-06-01"
    assert "events/s" in capsys.readouterr().out
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left


def test_generate_switches_context_tables_off(tmp_path):
    out = tmp_path / "out"
    code = main(
        [
            "generate",
            "--homes",
            "2",
            "--days",
            "1",
            "--out",
            str(out),
            "--no-weather",
            "--no-carbon",
            "--no-price",
            "--no-calendar",
            "--no-device-health",
            "--home-types",
            "studio",
        ]
    )
    assert code == 0
    for table in ("weather", "carbon_intensity", "electricity_price", "calendar", "device_health"):
        assert not (out / table).exists()
    homes = ds.dataset(out / "homes").to_table().to_pandas()
    assert set(homes["home_type"]) == {"studio"}


def test_device_health_only(tmp_path):
    out = tmp_path / "dev"
    assert (
        main(
            [
                "generate",
                "--device-health-only",
                "--devices",
                "1000",
                "--days",
                "30",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    table = ds.dataset(out / "device_health").to_table()
    assert table.num_rows == 30_000
    assert table.column("device_id").unique().__len__() <= 1000
    assert not (out / "events").exists()


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--homes", "0"], "--homes"),
        (["--days", "-3"], "--days"),
        (["--home-types", "castle"], "--home-types"),
        (["--start", "2026-13-40"], "--start"),
        (["--failure-rate", "1.5"], "--failure-rate"),
        (["--device-health-only", "--devices", "0"], "--devices"),
        (["--device-health-only", "--days", "-1", "--devices", "10"], "--days"),
        (["--homes", "abc"], "--homes"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, args, option):
    out = tmp_path / "never"
    proc = subprocess.run(
        [sys.executable, "-m", "homeiq_assets.cli", "generate", "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and option in lines[0], proc.stderr
    assert not out.exists()


def test_output_path_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    code = main(["generate", "--homes", "1", "--days", "1", "--out", str(target)])
    assert code == 2
    assert target.read_text() == "keep me"


def test_other_files_in_the_output_folder_survive(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert (
        main(["generate", "--homes", "1", "--days", "1", "--out", str(out), "--no-device-health"])
        == 0
    )
    assert (out / "notes.txt").read_text() == "mine"


def test_rerun_with_fewer_tables_leaves_no_stale_ones(tmp_path):
    out = tmp_path / "out"
    assert main(["generate", "--homes", "1", "--days", "1", "--out", str(out)]) == 0
    assert (out / "weather").exists() and (out / "device_health").exists()
    assert (
        main(
            [
                "generate",
                "--homes",
                "1",
                "--days",
                "1",
                "--out",
                str(out),
                "--no-weather",
                "--no-device-health",
            ]
        )
        == 0
    )
    assert not (out / "weather").exists() and not (out / "device_health").exists()
    assert (out / "events").exists()


def test_invalid_setting_names_the_variable(tmp_path):
    env = {"HOMEIQ_WORKERS": "many", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "homeiq_assets.cli", "cycle", "--homes", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "HOMEIQ_WORKERS" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_killed_run_leaves_the_previous_output_intact(tmp_path):
    """kill -9 in the middle of a run: earlier tables stay readable, the next run succeeds."""
    import signal

    out = tmp_path / "out"
    assert main(["generate", "--homes", "2", "--days", "1", "--out", str(out), "--seed", "1"]) == 0
    before = (out / "summary.json").read_text()
    events_before = ds.dataset(out / "events").count_rows()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "homeiq_assets.cli",
            "generate",
            "--homes",
            "64",
            "--days",
            "30",
            "--workers",
            "1",
            "--out",
            str(out),
            "--seed",
            "2",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    first_progress = proc.stderr.readline()  # the first shard is done: kill mid-run
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert "homes:" in first_progress
    assert (out / "summary.json").read_text() == before
    assert ds.dataset(out / "events").count_rows() == events_before
    assert any(p.name.startswith(".fleet.staging-") for p in out.iterdir())
    assert main(["generate", "--homes", "2", "--days", "1", "--out", str(out), "--seed", "3"]) == 0
    assert json.loads((out / "summary.json").read_text())["seed"] == 3
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # stale staging removed


def test_building_the_parser_leaves_training_and_collection_unimported():
    """Every command (`generate` included) builds the whole parser first; if that pulled in the
    training machinery and with it all of collection, each run would start measurably slower
    (make bench counts the whole process)."""
    probe = (
        "import sys\n"
        "from homeiq_assets.cli.main import build_parser\n"
        "build_parser()\n"
        "heavy = ('homeiq_assets.ml.training', 'homeiq_assets.collect.collector')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == ""


def test_the_program_exits_with_the_commands_code(tmp_path):
    # `homeiq` runs `run`: the code `main` returns, also after freezing what is left for exit
    missing = tmp_path / "nowhere"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "homeiq_assets.cli",
            "collect",
            "--from",
            str(missing),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "--from" in done.stderr and "not a directory" in done.stderr
