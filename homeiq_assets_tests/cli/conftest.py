"""The CLI tests of the nightly loop use the same fresh instance and tiny cycles as the Dagster
tests (`homeiq_assets_tests/defs/conftest.py`)."""

from homeiq_assets_tests.defs.conftest import loop  # noqa: F401  (a pytest fixture)
