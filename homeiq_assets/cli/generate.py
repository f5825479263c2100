"""`homeiq generate`: simulate homes (or standalone device telemetry) into a folder of Parquet
tables, without Dagster. Everything is validated before anything is written, and the folder's
tables are replaced only when the whole fleet was written."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from homeiq_assets.cli.common import (
    UsageError,
    date_option,
    home_type_mix,
    out_dir,
    positive,
    progress,
    rate,
)


def _owned_outputs() -> frozenset[str]:
    """Everything `homeiq generate` writes into --out (other files there are left alone)."""
    from homeiq_assets.sim.health.table import HEALTH_TABLES
    from homeiq_assets.sim.tables import ALL_TABLES

    return frozenset((*ALL_TABLES, *HEALTH_TABLES, "summary.json"))


@contextmanager
def _staged_output(out: Path, label: str) -> Iterator[Path]:
    """A staging folder inside `out` whose tables replace `out`'s only if all went well."""
    from homeiq_assets.storage import discard_dir, publish_children, staging_dir

    out.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(out / label)
    try:
        yield staging
        publish_children(staging, out, _owned_outputs())
    finally:
        discard_dir(staging)


def _write_summary(summary: dict, folder: Path) -> None:
    from homeiq_assets.storage import write_json_atomic

    write_json_atomic(summary, folder / "summary.json")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "generate",
        help="simulate homes into a folder of Parquet tables",
        description="Simulate a fleet of homes (no Dagster needed).",
    )
    p.add_argument("--homes", type=int, default=10, help="homes in the fleet (default 10)")
    p.add_argument("--days", type=int, default=7, help="days simulated (default 7)")
    p.add_argument("--seed", type=int, default=42, help="seed (default 42)")
    p.add_argument("--start", default="2026-01-05", help="first day, YYYY-MM-DD (UTC)")
    p.add_argument("--out", required=True, help="output folder; its tables are replaced")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument(
        "--home-types",
        default=None,
        help="home-type mix: 'apartment,condo' or 'apartment=2,condo=1'",
    )
    p.add_argument("--shard-size", type=int, default=8, help="homes per Parquet shard")
    for flag in ("weather", "carbon", "price", "calendar", "noise"):
        p.add_argument(f"--no-{flag}", action="store_true", help=f"switch {flag} off")
    p.add_argument("--no-device-health", action="store_true", help="skip device telemetry")
    p.add_argument(
        "--device-health-only",
        action="store_true",
        help="only device telemetry for --devices devices, without homes",
    )
    p.add_argument("--devices", type=int, default=None, help="devices for --device-health-only")
    p.add_argument(
        "--failure-rate",
        type=float,
        default=None,
        help="share of devices failing per 30 days (default 0.09)",
    )
    p.add_argument(
        "--anomaly-rate",
        type=float,
        default=None,
        help="share of devices with an injected telemetry anomaly per 30 days",
    )


def _health_config(args: argparse.Namespace):
    from homeiq_assets.sim.health.config import HealthConfig

    kwargs = {}
    if args.failure_rate is not None:
        kwargs["failure_rate"] = rate("--failure-rate", args.failure_rate)
    if args.anomaly_rate is not None:
        kwargs["anomaly_rate"] = rate("--anomaly-rate", args.anomaly_rate)
    return HealthConfig(**kwargs)


def cmd_generate(args: argparse.Namespace) -> int:
    # validate everything before anything is written
    positive("--days", args.days)
    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0 (got {args.seed})")
    start = date_option("--start", args.start)
    out = out_dir(args.out)
    health = _health_config(args)
    workers = args.workers
    if workers is not None:
        positive("--workers", workers)
    positive("--shard-size", args.shard_size)
    if args.device_health_only:
        if args.devices is None:
            raise UsageError("--devices is required with --device-health-only")
        positive("--devices", args.devices)
        return _generate_devices(args, out, start, health)
    if args.devices is not None:
        raise UsageError("--devices only applies with --device-health-only")
    positive("--homes", args.homes)
    mix = home_type_mix(args.home_types)

    from pydantic import ValidationError

    from homeiq_assets.sim.config import SimConfig, default_workers

    try:
        config = SimConfig(
            homes=args.homes,
            days=args.days,
            seed=args.seed,
            start=start,
            home_type_mix=mix,
            weather=not args.no_weather,
            carbon=not args.no_carbon,
            price=not args.no_price,
            calendar=not args.no_calendar,
            noise=not args.no_noise,
            shard_size=args.shard_size,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise UsageError(f"--{str(err['loc'][0]).replace('_', '-')}: {err['msg']}") from None

    from homeiq_assets.sim.fleet import generate_fleet
    from homeiq_assets.sim.health.fleet import write_fleet_device_health

    workers = workers or default_workers()
    with _staged_output(out, "fleet") as staging:
        summary = generate_fleet(config, staging, workers=workers, progress=progress("homes"))
        if not args.no_device_health:
            summary["device_health"] = write_fleet_device_health(
                staging,
                staging,
                config.start,
                config.days,
                config.seed,
                health,
                progress=progress("device health shards"),
                workers=workers,
            )
            summary["rows"]["device_health"] = summary["device_health"]["rows"]
        _write_summary(summary, staging)
    rows = summary["rows"]
    print(
        f"wrote {config.homes} homes × {config.days} days to {out}: "
        f"{rows['events']:,} events in {summary['seconds']:.2f}s "
        f"({summary['events_per_second']:,.0f} events/s)"
    )
    print(json.dumps({"rows": rows, "home_types": summary["home_types"]}, indent=2))
    return 0


def _generate_devices(args: argparse.Namespace, out: Path, start: dt.date, health) -> int:
    from homeiq_assets.sim.health.fleet import write_standalone_device_health

    with _staged_output(out, "devices") as staging:
        stats = write_standalone_device_health(
            staging,
            args.devices,
            start,
            args.days,
            args.seed,
            health,
            progress=progress("devices"),
        )
        summary = {
            "mode": "device_health_only",
            "devices": args.devices,
            "days": args.days,
            "seed": args.seed,
            "start": start.isoformat(),
            "health_config": health.model_dump(mode="json"),
            "device_health": stats,
            "rows": {"device_health": stats["rows"]},
        }
        _write_summary(summary, staging)
    print(
        f"wrote {stats['rows']:,} device-days for {args.devices} devices to {out} "
        f"in {stats['seconds']:.2f}s; failures {stats['failures']}, anomaly rows "
        f"{stats['anomaly_rows']}"
    )
    return 0


COMMANDS = {"generate": cmd_generate}
