"""HOMEIQ_* settings: defaults, parsing, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeiq_assets.settings import SettingsError, load_settings


def test_defaults_and_overrides(tmp_path):
    s = load_settings({})
    assert s.default_homes == 20 and s.default_days == 7 and s.workers >= 1
    assert s.data_dir == Path("data").resolve()
    s = load_settings({"HOMEIQ_DATA_DIR": str(tmp_path), "HOMEIQ_WORKERS": "3"})
    assert s.data_dir == tmp_path and s.workers == 3
    assert s.dagster_storage_dir == tmp_path / "dagster"


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"HOMEIQ_WORKERS": "0"}, "HOMEIQ_WORKERS"),
        ({"HOMEIQ_DEFAULT_DAYS": "x"}, "HOMEIQ_DEFAULT_DAYS"),
    ],
)
def test_invalid_values_name_the_variable(env, name):
    with pytest.raises(SettingsError, match=name):
        load_settings(env)


def test_continuous_learning_defaults_and_overrides():
    s = load_settings({})
    assert (s.training_schedule, s.timezone, s.training_enabled) == ("0 2 * * *", "UTC", True)
    assert s.training_mode == "full" and s.regression_tolerance == 0.05
    assert s.retrain_threshold("device_failure") == 20_000
    assert s.allow_low_quality is False  # automatic retraining respects the gates by default
    s = load_settings(
        {
            "HOMEIQ_TRAINING_SCHEDULE": "30 3 * * mon-fri",
            "HOMEIQ_TIMEZONE": "Europe/Berlin",
            "HOMEIQ_TRAINING_ENABLED": "false",
            "HOMEIQ_TRAINING_MODE": "incremental",
            "HOMEIQ_RETRAIN_THRESHOLD_DEVICE_FAILURE": "500",
            "HOMEIQ_ALLOW_LOW_QUALITY": "true",
        }
    )
    assert s.allow_low_quality is True
    assert s.training_schedule == "30 3 * * mon-fri" and s.timezone == "Europe/Berlin"
    assert s.training_enabled is False and s.training_mode == "incremental"
    assert s.retrain_threshold("device_failure") == 500


@pytest.mark.parametrize(
    ("env", "name", "why"),
    [
        ({"HOMEIQ_TRAINING_SCHEDULE": "0 2 * *"}, "HOMEIQ_TRAINING_SCHEDULE", "5 fields"),
        ({"HOMEIQ_TRAINING_SCHEDULE": "0 24 * * *"}, "HOMEIQ_TRAINING_SCHEDULE", "hour 24"),
        ({"HOMEIQ_TRAINING_SCHEDULE": "0 2 * * xyz"}, "HOMEIQ_TRAINING_SCHEDULE", "day of week"),
        ({"HOMEIQ_TIMEZONE": "Mars/Olympus"}, "HOMEIQ_TIMEZONE", "unknown timezone"),
        ({"HOMEIQ_TRAINING_ENABLED": "perhaps"}, "HOMEIQ_TRAINING_ENABLED", "boolean"),
        ({"HOMEIQ_TRAINING_MODE": "partial"}, "HOMEIQ_TRAINING_MODE", "'full' or 'incremental'"),
        ({"HOMEIQ_REGRESSION_TOLERANCE": "1.5"}, "HOMEIQ_REGRESSION_TOLERANCE", "less than 1"),
        ({"HOMEIQ_RETRAIN_THRESHOLD_SYNERGY_GNN": "0"}, "HOMEIQ_RETRAIN_THRESHOLD_SYNERGY_GNN", ""),
    ],
)
def test_invalid_continuous_learning_values_name_the_variable(env, name, why):
    with pytest.raises(SettingsError, match=name) as err:
        load_settings(env)
    assert why in str(err.value)


def test_our_cron_check_agrees_with_dagsters():
    from dagster._utils.schedules import is_valid_cron_string

    from homeiq_assets.settings import validate_cron

    for cron in ("0 2 * * *", "*/15 * * * *", "0 0 1 jan,jul *", "5 4 * * 0-6", "0 22 * * 1-5"):
        assert validate_cron(cron) == cron and is_valid_cron_string(cron)
    for cron in ("0 2 * *", "61 * * * *", "* * 0 * *", "* * * 13 *", "* */0 * * *"):
        with pytest.raises(ValueError):
            validate_cron(cron)
        assert not is_valid_cron_string(cron)


def test_an_invalid_setting_fails_the_code_location_load_naming_it():
    import os
    import subprocess
    import sys

    env = {**os.environ, "HOMEIQ_TRAINING_SCHEDULE": "every night"}
    code = "import homeiq_assets.definitions as d; d.build_defs()"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "HOMEIQ_TRAINING_SCHEDULE='every night'" in out.stderr
