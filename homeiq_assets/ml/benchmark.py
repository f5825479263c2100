"""The reserved fleets every model is scored on: the **benchmark** fleet (gates, champion and
challenger, every design choice) and the **audit** fleet (shown only in the readiness report,
never used for a threshold, a design choice or early stopping, so overfitting to the benchmark
shows).

Each fleet is simulated in four parts that start in different seasons (winter, spring, summer,
autumn), from seeds that no training cycle may use, and collected exactly like a training
cycle; each part is stored as its own collected cycle (`benchmark-winter`, …), so its homes keep
their identity per part (`ml.data.home_key`). Device models are scored after a burn-in
(`BURN_IN_DAYS`): telemetry history before it feeds features but no score. A fleet is built once
per configuration (the configuration is stored beside it) and reused by every later run.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from homeiq_assets.sim.config import SimConfig

BURN_IN_DAYS = 14  # device models: days of each benchmark home scored only after this
DEFAULT_HOMES = 120  # per fleet, spread evenly over the four seasons
DEFAULT_DAYS = 60
MIN_HOMES = 8
# a fleet may be short for tests; device models need BURN_IN_DAYS + 7 days to be scored
MIN_DAYS = 7


@dataclass(frozen=True)
class FleetPart:
    """One season of a reserved fleet: its own collected cycle, seed and first day."""

    cycle: str
    seed: int
    start: dt.date


@dataclass(frozen=True)
class ReservedFleet:
    name: str
    parts: tuple[FleetPart, ...]

    @property
    def cycles(self) -> list[str]:
        return [p.cycle for p in self.parts]

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(p.seed for p in self.parts)


def _fleet(name: str, first_seed: int, starts: tuple[str, ...]) -> ReservedFleet:
    seasons = ("winter", "spring", "summer", "autumn")
    return ReservedFleet(
        name,
        tuple(
            FleetPart(f"{name}-{season}", first_seed + i, dt.date.fromisoformat(start))
            for i, (season, start) in enumerate(zip(seasons, starts, strict=True))
        ),
    )


BENCHMARK = _fleet("benchmark", 990_001, ("2026-01-12", "2026-04-13", "2026-07-13", "2026-10-12"))
AUDIT = _fleet("audit", 990_101, ("2026-02-09", "2026-05-11", "2026-08-10", "2026-11-09"))
FLEETS = {f.name: f for f in (BENCHMARK, AUDIT)}
# seeds no training cycle may use: every home of the reserved fleets comes from one of them
RESERVED_SEEDS = frozenset(BENCHMARK.seeds + AUDIT.seeds)
# kept for the seed refusal message of older callers
BENCHMARK_SEED = BENCHMARK.parts[0].seed


def is_reserved_seed(seed: int) -> bool:
    return int(seed) in RESERVED_SEEDS


def part_homes(homes: int, n_parts: int = 4) -> list[int]:
    """Homes per season: as even as possible, the first parts taking the remainder."""
    base, extra = divmod(homes, n_parts)
    return [base + (i < extra) for i in range(n_parts)]


def part_config(part: FleetPart, homes: int, days: int) -> SimConfig:
    return SimConfig(homes=homes, days=days, seed=part.seed, start=part.start)


def fleet_config(fleet: ReservedFleet, homes: int, days: int) -> list[dict]:
    """The stored configuration of a fleet: every part's simulation config."""
    return [
        json.loads(part_config(p, n, days).model_dump_json())
        for p, n in zip(fleet.parts, part_homes(homes, len(fleet.parts)), strict=True)
    ]


def build_reserved_fleet(
    root: Path,
    fleet: ReservedFleet = BENCHMARK,
    homes: int = DEFAULT_HOMES,
    days: int = DEFAULT_DAYS,
    workers: int = 2,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Generate and collect a reserved fleet under `root` unless it exists for this config.

    Layout: `root/fleet/<part cycle>/` (simulator tables) and `root/training_data/<part cycle>/`
    (collected), so `ml.data.load_datasets(root, fleet.cycles)` reads it. A fleet is written to
    a staging folder and renamed into place, so a crash never leaves half a fleet that a later
    run would trust. Returns its stats and whether it was built now."""
    from homeiq_assets.collect.pipeline import collect_cycle
    from homeiq_assets.sim.fleet import generate_fleet
    from homeiq_assets.sim.health.config import HealthConfig
    from homeiq_assets.sim.health.fleet import write_fleet_device_health
    from homeiq_assets.storage import write_json_atomic

    if homes < MIN_HOMES:
        raise ValueError(f"homes: a reserved fleet needs at least {MIN_HOMES} homes (got {homes})")
    if days < MIN_DAYS:
        raise ValueError(f"days: a reserved fleet needs at least {MIN_DAYS} days (got {days})")
    wanted = {"fleet": fleet.name, "parts": fleet_config(fleet, homes, days)}
    marker = root / f"{fleet.name}.json"
    if marker.exists():
        stored = json.loads(marker.read_text())
        if stored.get("config") == wanted:
            return {**stored, "built_now": False}
    staging = root.with_name(f".{root.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    events = 0
    records: dict[str, int] = {}
    per_part = part_homes(homes, len(fleet.parts))
    for part, n in zip(fleet.parts, per_part, strict=True):
        if progress:
            progress(f"{fleet.name}: simulating {part.cycle} ({n} homes × {days} days)")
        config = part_config(part, n, days)
        tables = staging / "fleet" / part.cycle
        summary = generate_fleet(config, tables, workers=workers)
        write_fleet_device_health(
            tables, tables, config.start, config.days, config.seed, HealthConfig()
        )
        if progress:
            progress(f"{fleet.name}: collecting {part.cycle}")
        stats = collect_cycle(tables, staging, part.cycle, config.seed)
        events += summary["rows"]["events"]
        for name, d in stats["datasets"].items():
            records[name] = records.get(name, 0) + int(d["kept"])
    info = {
        "config": wanted,
        "fleet": fleet.name,
        "cycles": fleet.cycles,
        "homes": homes,
        "homes_per_season": dict(zip(fleet.cycles, per_part, strict=True)),
        "days": days,
        "events": events,
        "records": records,
    }
    write_json_atomic(info, staging / f"{fleet.name}.json")
    old = root.with_name(f".{root.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if root.exists():
        root.rename(old)
    staging.rename(root)
    shutil.rmtree(old, ignore_errors=True)
    return {**info, "built_now": True}
