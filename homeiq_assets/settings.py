"""Environment-driven settings (HOMEIQ_*), validated once; a bad value fails fast naming the
variable. Plain configuration (no Dagster): the core (the model registry's default root), the
command line and the Dagster layer all read it."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from homeiq_assets.sim.config import default_workers

ENV_PREFIX = "HOMEIQ_"


class SettingsError(ValueError):
    """A HOMEIQ_* variable holds an invalid value."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path = Field(
        Path("data"),
        description="where every table, model and the local "
        "Dagster instance live (HOMEIQ_DATA_DIR)",
    )
    workers: int = Field(
        default_factory=default_workers,
        ge=1,
        le=256,
        description="worker processes: simulation, collection, exports (HOMEIQ_WORKERS)",
    )
    default_homes: int = Field(
        20, ge=1, le=100_000, description="homes per cycle unless configured (HOMEIQ_DEFAULT_HOMES)"
    )
    default_days: int = Field(
        7, ge=1, le=366, description="days per cycle unless configured (HOMEIQ_DEFAULT_DAYS)"
    )

    @property
    def dagster_storage_dir(self) -> Path:
        return self.data_dir / "dagster"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    raw: dict[str, str] = {}
    for name in Settings.model_fields:
        key = ENV_PREFIX + name.upper()
        if key in env and env[key] != "":
            raw[name] = env[key]
    try:
        settings = Settings(**raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field_name = str(err["loc"][0]) if err["loc"] else "?"
        raise SettingsError(
            f"{ENV_PREFIX}{field_name.upper()}={raw.get(field_name)!r}: {err['msg']}"
        ) from None
    return settings.model_copy(update={"data_dir": settings.data_dir.expanduser().resolve()})


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()
