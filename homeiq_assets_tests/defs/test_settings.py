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
