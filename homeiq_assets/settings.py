"""Environment-driven settings (HOMEIQ_*), validated once; a bad value fails fast naming the
variable. Plain configuration (no Dagster): the core (the model registry's default root), the
command line and the Dagster layer all read it."""

from __future__ import annotations

import os
import re
import zoneinfo
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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

    # -- continuous learning (defs/automation) ---------------------------------------------
    training_schedule: str = Field(
        "0 2 * * *",
        description="cron of the nightly cycle (HOMEIQ_TRAINING_SCHEDULE)",
    )
    timezone: str = Field("UTC", description="timezone of the schedule (HOMEIQ_TIMEZONE)")
    training_enabled: bool = Field(
        True,
        description="nightly schedule and retraining sensors on (HOMEIQ_TRAINING_ENABLED)",
    )
    training_mode: Literal["full", "incremental"] = Field(
        "full",
        description="how automatic retraining trains: every cycle so far, or the champion "
        "updated with the new cycles (HOMEIQ_TRAINING_MODE)",
    )
    allow_low_quality: bool = Field(
        False,
        description="automatic retraining (schedule and sensors) may promote a challenger that "
        "fails its gate, recorded in its metadata and history, as `--allow-low-quality` does "
        "for a command (HOMEIQ_ALLOW_LOW_QUALITY)",
    )
    regression_tolerance: float = Field(
        0.05,
        ge=0.0,
        lt=1.0,
        description="relative drop of the headline metric a challenger may show against the "
        "champion and still be promoted; also the drop that counts as degradation "
        "(HOMEIQ_REGRESSION_TOLERANCE)",
    )
    retrain_threshold_home_type: int = Field(
        100, ge=1, description="new labelled homes that trigger retraining"
    )
    retrain_threshold_device_failure: int = Field(
        20_000, ge=1, description="new labelled device-days that trigger retraining"
    )
    retrain_threshold_device_anomaly: int = Field(
        20_000, ge=1, description="new labelled device-days that trigger retraining"
    )
    retrain_threshold_synergy_gnn: int = Field(
        5_000, ge=1, description="new labelled candidate pairs that trigger retraining"
    )
    retrain_threshold_pattern_quality: int = Field(
        10_000, ge=1, description="new labelled patterns that trigger retraining"
    )
    sensor_interval_seconds: int = Field(
        60,
        ge=5,
        le=86_400,
        description="minimum seconds between evaluations of the retraining sensors "
        "(HOMEIQ_SENSOR_INTERVAL_SECONDS)",
    )
    max_run_seconds: int = Field(
        21_600,
        ge=60,
        description="a cycle or training run older than this is not waited for "
        "(HOMEIQ_MAX_RUN_SECONDS; also its dagster/max_runtime tag)",
    )
    benchmark_homes: int = Field(
        120,
        ge=8,
        le=2000,
        description="homes of each reserved fleet (benchmark and audit), spread over four "
        "seasons (HOMEIQ_BENCHMARK_HOMES)",
    )
    benchmark_days: int = Field(
        60,
        ge=7,
        le=366,
        description="days per home of the reserved fleets; device models need at least 21 "
        "(a 14-day burn-in and a 7-day warning window) (HOMEIQ_BENCHMARK_DAYS)",
    )

    @field_validator("training_schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        return validate_cron(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r} (e.g. UTC, Europe/Berlin)") from None
        return value

    @property
    def dagster_storage_dir(self) -> Path:
        return self.data_dir / "dagster"

    def retrain_threshold(self, model: str) -> int:
        """New labelled records of `model` that make the data-sufficiency sensor retrain it."""
        return int(getattr(self, f"retrain_threshold_{model}"))


# cron fields: minute, hour, day of month, month, day of week (names allowed where cron has them)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _WEEKDAYS),
)
_CRON_ITEM = re.compile(r"^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/([0-9]+))?$")


def validate_cron(value: str) -> str:
    """A standard five-field cron string (`0 2 * * *`, `*/15 * * * 1-5`); raises ValueError
    naming the bad field. Plain code, so settings fail before Dagster is even imported."""
    fields = value.split()
    if len(fields) != 5:
        raise ValueError(f"cron {value!r} needs 5 fields (minute hour day month weekday)")
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        for item in text.lower().split(","):
            match = _CRON_ITEM.match(item)
            if not match or (match.group(2) is not None and int(match.group(2)) < 1):
                raise ValueError(f"cron {value!r}: bad {name} field {text!r}")
            if match.group(1) == "*":
                continue
            for bound in match.group(1).split("-"):
                if bound in names:  # jan = 1, sun = 0
                    number = names.index(bound) + low
                elif bound.isdigit():
                    number = int(bound)
                else:
                    raise ValueError(f"cron {value!r}: bad {name} field {text!r}")
                if not low <= number <= high:
                    raise ValueError(f"cron {value!r}: {name} {bound} outside {low}-{high}")
    return value


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
