"""Validated configuration of one simulated fleet."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os

from pydantic import BaseModel, ConfigDict, Field, field_validator

from homeiq_assets.sim.catalog import HOME_TYPES

MAX_HOMES = 100_000
MAX_DAYS = 366


class SimConfig(BaseModel):
    """Everything that determines a fleet's output, together with the code version.

    The same SimConfig (and code) always gives the same bytes; `config_hash` identifies it in
    asset metadata so the UI can tell which parameters produced a partition.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    homes: int = Field(10, ge=1, le=MAX_HOMES, description="number of homes in the fleet")
    days: int = Field(7, ge=1, le=MAX_DAYS, description="days simulated per home")
    seed: int = Field(42, ge=0, lt=2**63, description="cycle seed")
    start: dt.date = Field(dt.date(2026, 1, 5), description="first simulated day (UTC)")
    home_type_mix: dict[str, float] | None = Field(
        None, description="relative weights per home type; None uses the design's shares"
    )
    weather: bool = True
    carbon: bool = True
    price: bool = True
    calendar: bool = True
    noise: bool = Field(True, description="manual actions, forgotten lights, gaps, duplicates")
    shard_size: int = Field(8, ge=1, le=1024, description="homes per output shard")

    @field_validator("home_type_mix")
    @classmethod
    def _known_types(cls, mix: dict[str, float] | None) -> dict[str, float] | None:
        if mix is None:
            return None
        unknown = sorted(set(mix) - set(HOME_TYPES))
        if unknown:
            raise ValueError(
                f"unknown home type(s) {', '.join(unknown)}; known: {', '.join(HOME_TYPES)}"
            )
        if any(w < 0 for w in mix.values()) or sum(mix.values()) <= 0:
            raise ValueError("home type weights must be >= 0 and not all zero")
        return dict(sorted(mix.items()))

    def config_hash(self) -> str:
        """A short stable hash of every parameter (not the worker count: it changes nothing)."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def default_workers() -> int:
    """All cores by default; the result never depends on this number."""
    return max(1, os.cpu_count() or 1)
