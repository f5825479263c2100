"""Simulation assets: one fleet simulation materialises homes, events, occupancy, environment
and ground truth for a cycle; device health is derived from them.

Thin by design: validate config, call `sim.fleet` / `sim.health_fleet`, publish the files
atomically, attach metadata.
"""

import datetime as dt
import time
from pathlib import Path

import dagster as dg
from pydantic import Field, ValidationError

from homeiq_assets.defs.shared.inputs import fails_on_corrupt_input, read_json_or_fail
from homeiq_assets.defs.shared.partitions import cycle_partitions
from homeiq_assets.defs.shared.resources import ASSET_TABLES, DataStore
from homeiq_assets.ml.benchmark import is_reserved_seed
from homeiq_assets.settings import settings
from homeiq_assets.sim.config import SimConfig
from homeiq_assets.sim.fleet import generate_fleet
from homeiq_assets.sim.health.config import FAILURE_MODES, HealthConfig
from homeiq_assets.sim.health.fleet import write_fleet_device_health
from homeiq_assets.sim.rng import stable_int
from homeiq_assets.storage import (
    discard_dir,
    publish_dir,
    staging_dir,
    write_json_atomic,
)

SIM_CODE_VERSION = "sim-3"
HEALTH_CODE_VERSION = "health-2"
SIM_ASSETS = ("homes", "events", "occupancy", "environment", "ground_truth")
FIRST_START = dt.date(2025, 1, 6)
DESCRIPTIONS = {
    "homes": "Homes with their floors, areas, labels, devices and Home Assistant entities.",
    "events": "State changes and automation runs with their Home Assistant contexts and "
    "ground-truth cause, and daily device usage.",
    "occupancy": "Ground-truth occupant timelines (asleep / home / away, room) and calendars.",
    "environment": "Hourly weather, 15-minute carbon intensity and hourly tariffs.",
    "ground_truth": "Planted automations and manual habits with every occurrence; synergy "
    "candidates (pairs not already automated) and the habits linking them.",
}


class SimulationConfig(dg.Config):
    """Parameters of a cycle's fleet. Unset values come from HOMEIQ_* settings or the cycle."""

    homes: int | None = Field(None, description="homes in the fleet (HOMEIQ_DEFAULT_HOMES)")
    days: int | None = Field(None, description="days per home (HOMEIQ_DEFAULT_DAYS)")
    seed: int | None = Field(None, description="default: derived from the cycle key")
    start: str | None = Field(
        None, description="YYYY-MM-DD; default: derived from the seed, so cycles cover every season"
    )
    workers: int | None = Field(None, description="worker processes (HOMEIQ_WORKERS)")
    home_type_mix: dict[str, float] | None = None
    weather: bool = True
    carbon: bool = True
    price: bool = True
    calendar: bool = True
    noise: bool = True


class DeviceHealthConfig(dg.Config):
    failure_rate: float = Field(0.09, description="share of devices failing per 30 days")
    anomaly_rate: float = Field(0.08, description="share of devices with a telemetry anomaly")


def cycle_seed(cycle: str) -> int:
    """The seed a cycle gets unless configured: derived from its key, never a reserved one."""
    seed = stable_int("cycle-seed", cycle) % (2**31)
    while is_reserved_seed(seed):
        seed += 1
    return seed


def sim_config_for(cycle: str, cfg: SimulationConfig) -> SimConfig:
    """The validated SimConfig of a cycle; raises ValueError naming the bad field."""
    s = settings()
    seed = cfg.seed if cfg.seed is not None else cycle_seed(cycle)
    if is_reserved_seed(seed):  # benchmark and audit homes must never be trained on
        raise ValueError(f"seed: {seed} is reserved for the benchmark and audit fleets")
    if cfg.start is None:
        start = FIRST_START + dt.timedelta(days=seed % 364)
    else:
        try:
            start = dt.date.fromisoformat(cfg.start)
        except ValueError:
            raise ValueError(f"start: {cfg.start!r} is not a YYYY-MM-DD date") from None
    try:
        return SimConfig(
            homes=cfg.homes if cfg.homes is not None else s.default_homes,
            days=cfg.days if cfg.days is not None else s.default_days,
            seed=seed,
            start=start,
            home_type_mix=cfg.home_type_mix,
            weather=cfg.weather,
            carbon=cfg.carbon,
            price=cfg.price,
            calendar=cfg.calendar,
            noise=cfg.noise,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}") from None


def _md_table(header: tuple[str, str], rows: dict[str, object]) -> str:
    lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows.items()]
    return "\n".join(lines)


def _publish_assets(staging: Path, store: DataStore, cycle: str) -> None:
    """Group the staged tables by asset and swap each asset's directory into place."""
    for asset, tables in ASSET_TABLES.items():
        present = [t for t in tables if (staging / t).exists()]
        if asset == "homes":
            present.append("summary.json")
        if not present or asset == "device_health":
            continue
        group = staging / f"_{asset}"
        group.mkdir()
        for t in present:
            (staging / t).rename(group / t)
        target = store.asset_dir(asset, cycle)
        target.parent.mkdir(parents=True, exist_ok=True)
        publish_dir(group, target)


@dg.multi_asset(
    name="simulate_fleet",
    specs=[
        dg.AssetSpec(
            name,
            group_name="simulation",
            code_version=SIM_CODE_VERSION,
            description=DESCRIPTIONS[name],
            kinds={"parquet"},
        )
        for name in SIM_ASSETS
    ],
    partitions_def=cycle_partitions,
    can_subset=False,
)
def simulate_fleet(context: dg.AssetExecutionContext, config: SimulationConfig, store: DataStore):
    """Simulate the cycle's fleet once and publish each asset's tables."""
    cycle = context.partition_key
    try:
        sim_config = sim_config_for(cycle, config)
    except ValueError as exc:
        raise dg.Failure(description=f"invalid simulation config: {exc}") from None
    workers = config.workers or settings().workers
    staging = staging_dir(store.staging_root() / cycle)
    try:

        def progress(done: int, total: int) -> None:
            context.log.info(f"simulated {done}/{total} homes")

        summary = generate_fleet(sim_config, staging, workers=workers, progress=progress)
        write_json_atomic(summary, staging / "summary.json")
        _publish_assets(staging, store, cycle)
    finally:
        discard_dir(staging)

    rows = summary["rows"]
    common = {
        "config_hash": summary["config_hash"],
        "seed": sim_config.seed,
        "start": sim_config.start.isoformat(),
        "days": sim_config.days,
    }
    yield dg.MaterializeResult(
        asset_key="homes",
        metadata={
            **common,
            "homes": sim_config.homes,
            **{f"rows_{t}": rows.get(t, 0) for t in ASSET_TABLES["homes"]},
            "home_type_mix": dg.MetadataValue.md(
                _md_table(
                    ("home type", "homes (share)"),
                    {
                        k: f"{v} ({summary['home_type_share'][k]:.0%})"
                        for k, v in summary["home_types"].items()
                    },
                )
            ),
            "path": dg.MetadataValue.path(str(store.asset_dir("homes", cycle))),
            "seconds": summary["seconds"],
        },
    )
    yield dg.MaterializeResult(
        asset_key="events",
        metadata={
            **common,
            "rows_events": rows.get("events", 0),
            "rows_device_daily": rows.get("device_daily", 0),
            "events_per_second": summary["events_per_second"],
            "events_per_home_day": dg.MetadataValue.md(
                _md_table(("size", "events / home / day"), summary["events_per_home_day_by_size"])
            ),
            "path": dg.MetadataValue.path(str(store.asset_dir("events", cycle))),
        },
    )
    yield dg.MaterializeResult(
        asset_key="occupancy",
        metadata={
            **common,
            "rows_occupancy": rows.get("occupancy", 0),
            "rows_calendar": rows.get("calendar", 0),
            "path": dg.MetadataValue.path(str(store.asset_dir("occupancy", cycle))),
        },
    )
    yield dg.MaterializeResult(
        asset_key="environment",
        metadata={
            **common,
            **{f"rows_{t}": rows.get(t, 0) for t in ASSET_TABLES["environment"]},
            "path": dg.MetadataValue.path(str(store.asset_dir("environment", cycle))),
        },
    )
    yield dg.MaterializeResult(
        asset_key="ground_truth",
        metadata={
            **common,
            "routines": rows.get("gt_routines", 0),
            "occurrences": rows.get("gt_occurrences", 0),
            "synergy_candidates": rows.get("gt_synergies", 0),
            "path": dg.MetadataValue.path(str(store.asset_dir("ground_truth", cycle))),
        },
    )


def read_summary(store: DataStore, cycle: str) -> dict:
    path = store.asset_dir("homes", cycle) / "summary.json"
    if not path.exists():
        raise dg.Failure(
            description=f"homes for cycle {cycle!r} are not materialised "
            f"({path} missing): materialise the simulation first"
        )
    return read_json_or_fail(path)


@dg.asset(
    group_name="simulation",
    partitions_def=cycle_partitions,
    deps=["homes", "events"],
    code_version=HEALTH_CODE_VERSION,
    kinds={"parquet"},
)
@fails_on_corrupt_input
def device_health(
    context: dg.AssetExecutionContext, config: DeviceHealthConfig, store: DataStore
) -> dg.MaterializeResult:
    """Daily telemetry of every device from latent failure processes, with failure and
    anomaly labels (`gt_*`)."""
    cycle = context.partition_key
    try:
        health_config = HealthConfig(
            failure_rate=config.failure_rate, anomaly_rate=config.anomaly_rate
        )
    except ValidationError as exc:
        raise dg.Failure(
            description=f"invalid device health config: {exc.errors()[0]['msg']}"
        ) from None
    summary = read_summary(store, cycle)
    start = dt.date.fromisoformat(summary["config"]["start"])
    staging = staging_dir(store.staging_root() / f"{cycle}-health")
    started = time.perf_counter()
    try:
        stats = write_fleet_device_health(
            store.source(cycle),
            staging,
            start,
            summary["days"],
            summary["seed"],
            health_config,
            progress=lambda d, t: context.log.info(f"device health: shard {d}/{t}"),
            workers=settings().workers,
        )
        target = store.asset_dir("device_health", cycle)
        target.parent.mkdir(parents=True, exist_ok=True)
        publish_dir(staging, target)  # staging holds exactly device_health/, health_episodes/
    finally:
        discard_dir(staging)
    failures = stats.get("failures_by_mode", {})
    return dg.MaterializeResult(
        metadata={
            "rows": stats["rows"],
            "devices": stats["devices"],
            "failures": stats["failures"],
            **{f"failures_{m}": int(failures.get(m, 0)) for m in FAILURE_MODES},
            "anomaly_rows": stats["anomaly_rows"],
            "anomaly_episodes": stats["anomaly_episodes"],
            "anomalies_by_kind": dg.MetadataValue.md(
                _md_table(
                    ("kind", "episodes (rows)"),
                    {
                        k: f"{stats.get('anomaly_episodes_by_kind', {}).get(k, 0)} ({v})"
                        for k, v in sorted(stats.get("anomalies_by_kind", {}).items())
                    },
                )
            ),
            "positive_rows": stats["positive_rows"],
            "rows_per_second": round(stats["rows"] / max(time.perf_counter() - started, 1e-9), 1),
            "failure_rate": health_config.failure_rate,
            "path": dg.MetadataValue.path(str(target)),
        }
    )
