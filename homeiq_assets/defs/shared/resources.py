"""Dagster resources: the data store that knows where each asset's partition lives."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from homeiq_assets.defs.shared.partitions import validate_cycle_key
from homeiq_assets.sim.tables import SCHEMAS

# which tables each simulation asset owns
ASSET_TABLES: dict[str, tuple[str, ...]] = {
    "homes": ("homes", "floors", "areas", "labels", "devices", "entities"),
    "events": ("events", "device_daily"),
    "occupancy": ("occupancy", "calendar"),
    "environment": ("weather", "carbon_intensity", "electricity_price"),
    "ground_truth": ("gt_routines", "gt_occurrences", "gt_synergies"),
    "device_health": ("device_health", "health_episodes"),
}
# collection and export assets keep their own files under `<base_dir>/<asset>/<cycle>/`
FILE_ASSETS = (
    "detected_patterns",
    "detected_synergies",
    "suggestions",
    "ask_ai",
    "home_profiles",
    "training_data",
    "exported_datasets",
    "ha_snapshots",
)
TABLE_ASSET: dict[str, str] = {t: a for a, tables in ASSET_TABLES.items() for t in tables}
assert set(SCHEMAS) <= set(TABLE_ASSET)


class DataStore(dg.ConfigurableResource):
    """Layout `<base_dir>/<asset>/<cycle>/<table>/part-*.parquet`; ids are validated before
    they become paths. Without `base_dir` the root is `HOMEIQ_DATA_DIR`, read when a run uses
    it (not when the code location loads), so every run of a process sees the same data dir as
    the command that started it."""

    base_dir: str | None = None

    @property
    def root(self) -> Path:
        if self.base_dir is None:
            from homeiq_assets.settings import settings

            return settings().data_dir
        return Path(self.base_dir).expanduser().resolve()

    def asset_dir(self, asset: str, cycle: str) -> Path:
        if asset not in ASSET_TABLES and asset not in FILE_ASSETS:
            raise ValueError(f"unknown asset {asset!r}")
        return self.root / asset / validate_cycle_key(cycle)

    def table_dir(self, table: str, cycle: str) -> Path:
        return self.asset_dir(TABLE_ASSET[table], cycle) / table

    def source(self, cycle: str):
        """A table locator for the plain readers (realism, validate)."""
        validate_cycle_key(cycle)
        return lambda table: self.table_dir(table, cycle)

    def staging_root(self) -> Path:
        path = self.root / ".staging"
        path.mkdir(parents=True, exist_ok=True)
        return path
