"""`homeiq` command line: generate homes without Dagster, or materialise a cycle in the local
Dagster instance so it shows in the UI.

Bad input exits with code 2 and one line naming the option, before anything is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

EXIT_USAGE = 2


def _owned_outputs() -> frozenset[str]:
    """Everything `homeiq generate` writes into --out (other files there are left alone)."""
    from homeiq_assets.sim.tables import ALL_TABLES

    return frozenset((*ALL_TABLES, "device_health", "summary.json"))


@contextmanager
def _staged_output(out: Path, label: str) -> Iterator[Path]:
    """A staging folder inside `out` whose tables replace `out`'s only if all went well."""
    from homeiq_assets.sim.storage import discard_dir, publish_children, staging_dir

    out.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(out / label)
    try:
        yield staging
        publish_children(staging, out, _owned_outputs())
    finally:
        discard_dir(staging)


def _write_summary(summary: dict, folder: Path) -> None:
    from homeiq_assets.sim.storage import write_json_atomic

    write_json_atomic(summary, folder / "summary.json")


class UsageError(Exception):
    """Bad command-line input; the message names the option."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit code 2
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _positive(option: str, value: int) -> int:
    if value < 1:
        raise UsageError(f"{option} must be at least 1 (got {value})")
    return value


def _date(option: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} must be a date YYYY-MM-DD (got {value!r})") from None


def _home_type_mix(value: str | None) -> dict[str, float] | None:
    """`apartment,condo` (equal weights) or `apartment=2,condo=1`."""
    if not value:
        return None
    from homeiq_assets.sim.catalog import HOME_TYPES

    mix: dict[str, float] = {}
    for item in value.split(","):
        name, _, weight = item.strip().partition("=")
        if name not in HOME_TYPES:
            raise UsageError(
                f"--home-types: unknown home type {name!r} (known: {', '.join(HOME_TYPES)})"
            )
        try:
            mix[name] = float(weight) if weight else 1.0
        except ValueError:
            raise UsageError(f"--home-types: weight of {name!r} must be a number") from None
        if mix[name] < 0:
            raise UsageError(f"--home-types: weight of {name!r} must be >= 0")
    if sum(mix.values()) <= 0:
        raise UsageError("--home-types: weights must not all be zero")
    return mix


def _rate(option: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise UsageError(f"{option} must be within [0, 1] (got {value})")
    return value


def _out_dir(value: str) -> Path:
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out: {value} exists and is not a directory")
    parent = path.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not os.access(parent, os.W_OK):
        raise UsageError(f"--out: {value} is not writable")
    return path


def _progress(label: str):
    start = time.perf_counter()

    def report(done: int, total: int) -> None:
        print(
            f"{label}: {done}/{total} ({time.perf_counter() - start:.1f}s)",
            file=sys.stderr,
            flush=True,
        )

    return report


def _add_generate(sub: argparse._SubParsersAction) -> None:
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
    from homeiq_assets.sim.health import HealthConfig

    kwargs = {}
    if args.failure_rate is not None:
        kwargs["failure_rate"] = _rate("--failure-rate", args.failure_rate)
    if args.anomaly_rate is not None:
        kwargs["anomaly_rate"] = _rate("--anomaly-rate", args.anomaly_rate)
    return HealthConfig(**kwargs)


def cmd_generate(args: argparse.Namespace) -> int:
    # validate everything before anything is written
    _positive("--days", args.days)
    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0 (got {args.seed})")
    start = _date("--start", args.start)
    out = _out_dir(args.out)
    health = _health_config(args)
    workers = args.workers
    if workers is not None:
        _positive("--workers", workers)
    _positive("--shard-size", args.shard_size)
    if args.device_health_only:
        if args.devices is None:
            raise UsageError("--devices is required with --device-health-only")
        _positive("--devices", args.devices)
        return _generate_devices(args, out, start, health)
    if args.devices is not None:
        raise UsageError("--devices only applies with --device-health-only")
    _positive("--homes", args.homes)
    mix = _home_type_mix(args.home_types)

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
    from homeiq_assets.sim.health_fleet import write_fleet_device_health

    with _staged_output(out, "fleet") as staging:
        summary = generate_fleet(
            config, staging, workers=workers or default_workers(), progress=_progress("homes")
        )
        if not args.no_device_health:
            summary["device_health"] = write_fleet_device_health(
                staging,
                staging,
                config.start,
                config.days,
                config.seed,
                health,
                progress=_progress("device health shards"),
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
    from homeiq_assets.sim.health_fleet import write_standalone_device_health

    with _staged_output(out, "devices") as staging:
        stats = write_standalone_device_health(
            staging,
            args.devices,
            start,
            args.days,
            args.seed,
            health,
            progress=_progress("devices"),
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


def _add_cycle(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cycle",
        help="materialise a new cycle in the local Dagster instance",
        description="Add a cycle partition and materialise every asset for it.",
    )
    p.add_argument("--homes", type=int, default=None, help="homes (HOMEIQ_DEFAULT_HOMES)")
    p.add_argument("--days", type=int, default=None, help="days (HOMEIQ_DEFAULT_DAYS)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: from the cycle key)")
    p.add_argument("--start", default=None, help="first day YYYY-MM-DD (default: from seed)")
    p.add_argument("--cycle", default=None, help="new cycle key (default: c<date>-<time>)")
    p.add_argument("--workers", type=int, default=None, help="worker processes")


def ensure_instance_env() -> Path:
    """Point Dagster at the project's instance: DAGSTER_HOME (default: the folder holding
    dagster.yaml, else <data dir>/dagster_home) with storage under the data dir."""
    from homeiq_assets.settings import settings

    s = settings()
    os.environ.setdefault("HOMEIQ_DAGSTER_STORAGE_DIR", str(s.dagster_storage_dir))
    if "DAGSTER_HOME" not in os.environ:
        repo_yaml = Path.cwd() / "dagster.yaml"
        if repo_yaml.exists():
            os.environ["DAGSTER_HOME"] = str(Path.cwd())
        else:
            home = s.data_dir / "dagster_home"
            home.mkdir(parents=True, exist_ok=True)
            os.environ["DAGSTER_HOME"] = str(home)
    Path(os.environ["HOMEIQ_DAGSTER_STORAGE_DIR"]).mkdir(parents=True, exist_ok=True)
    return Path(os.environ["DAGSTER_HOME"])


def cmd_cycle(args: argparse.Namespace) -> int:
    from homeiq_assets.partitions import new_cycle_key, validate_cycle_key

    for option in ("homes", "days", "workers"):
        value = getattr(args, option)
        if value is not None:
            _positive(f"--{option}", value)
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed must be >= 0 (got {args.seed})")
    if args.start is not None:
        _date("--start", args.start)
    key = args.cycle or new_cycle_key()
    try:
        validate_cycle_key(key)
    except ValueError as exc:
        raise UsageError(f"--cycle: {exc}") from None
    run_config = {
        "ops": {
            "simulate_fleet": {
                "config": {
                    k: v
                    for k, v in {
                        "homes": args.homes,
                        "days": args.days,
                        "seed": args.seed,
                        "start": args.start,
                        "workers": args.workers,
                    }.items()
                    if v is not None
                }
            }
        }
    }

    from homeiq_assets.assets.simulation import SimulationConfig, sim_config_for

    try:  # the same validation the asset does, but before a run exists
        sim = sim_config_for(key, SimulationConfig(**run_config["ops"]["simulate_fleet"]["config"]))
    except ValueError as exc:
        raise UsageError(f"--{exc}") from None

    ensure_instance_env()
    import dagster as dg

    from homeiq_assets.definitions import get_cycle_job
    from homeiq_assets.partitions import CYCLE_PARTITIONS_NAME

    with dg.DagsterInstance.get() as instance:
        if instance.has_dynamic_partition(CYCLE_PARTITIONS_NAME, key):
            raise UsageError(f"--cycle: {key!r} exists already; cycle keys are never reused")
        instance.add_dynamic_partitions(CYCLE_PARTITIONS_NAME, [key])
        print(
            f"cycle {key}: {sim.homes} homes × {sim.days} days from {sim.start} "
            f"(seed {sim.seed}); materialising in {os.environ['DAGSTER_HOME']}",
            file=sys.stderr,
        )
        result = dg.execute_job(
            dg.reconstructable(get_cycle_job),
            instance=instance,
            run_config={
                **run_config,
                "execution": {"config": {"in_process": {}}},
                "loggers": {"console": {"config": {"log_level": "INFO"}}},
            },
            tags={"dagster/partition": key},
        )
        _print_run(result, instance, key)
        return 0 if result.success else 1


def _print_run(result, instance, key: str) -> None:
    import dagster as dg

    records = instance.get_records_for_run(
        result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    ).records
    for record in records:
        mat = record.event_log_entry.asset_materialization
        if mat is None:
            continue
        shown = (
            "homes",
            "events_per_second",
            "failures",
            "devices",
            "routines",
            "synergy_candidates",
            "strong_patterns",
            "precision",
            "recall",
            "candidate_pairs",
            "rule_baseline_f1",
            "suggestions",
            "yaml_valid_rate",
            "requests",
            "approval_rate",
            "records_collected",
            "validation_pass_rate",
            "cycles_aggregated",
            "states",
            "accuracy",
            "macro_f1",
            "f1",
            "auc",
        )
        counts = {
            k: v.value
            for k, v in mat.metadata.items()
            if k.startswith(("rows", "kept_", "records_")) or k in shown
        }
        print(f"  {mat.asset_key.to_user_string():<18} {json.dumps(counts)}")
    checks = instance.get_records_for_run(
        result.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    failed = [
        r.event_log_entry.dagster_event.event_specific_data.check_name
        for r in checks
        if not r.event_log_entry.dagster_event.event_specific_data.passed
    ]
    print(
        f"  checks: {len(checks) - len(failed)}/{len(checks)} passed"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    status = "succeeded" if result.success else "FAILED"
    print(
        f"run {result.run_id} {status} for cycle {key}. Open the UI with `make ui` "
        "(http://127.0.0.1:3000) to browse it."
    )


def _add_export_ha(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export-ha",
        help="write one simulated home as a Home Assistant config directory",
        description="Export one home as a Home Assistant configuration directory "
        "(registries in .storage, recorder database, configuration.yaml).",
    )
    p.add_argument("--home", required=True, help="home id, e.g. h00003")
    p.add_argument(
        "--from", dest="source", required=True, help="folder written by `homeiq generate --out`"
    )
    p.add_argument("--out", required=True, help="config directory to create")
    p.add_argument("--force", action="store_true", help="replace a non-empty --out")


def cmd_export_ha(args: argparse.Namespace) -> int:
    from homeiq_assets.export.ha_snapshot import SnapshotError, write_ha_snapshot

    source = Path(args.source).expanduser()
    if not source.is_dir():
        raise UsageError(f"--from: {args.source} is not a directory")
    options = {"home": "--home", "source": "--from", "out": "--out"}
    try:
        summary = write_ha_snapshot(source, args.home, Path(args.out), force=args.force)
    except SnapshotError as exc:
        prefix = f"{options[exc.option]}: " if exc.option in options else ""
        raise UsageError(f"{prefix}{exc}") from None
    print(
        f"wrote home {summary['home_id']} to {summary['out_dir']}: {summary['areas']} areas, "
        f"{summary['devices']} devices, {summary['entities']} entities, "
        f"{summary['states']:,} states, {summary['statistics']:,} statistics rows "
        f"in {summary['seconds']:.2f}s"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="homeiq", description="homeiq-assets command line")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_generate(sub)
    _add_cycle(sub)
    _add_export_ha(sub)
    from homeiq_assets import cli_collect, cli_models, cli_production

    cli_collect.add_parsers(sub)
    cli_models.add_parsers(sub)
    cli_production.add_parsers(sub)
    return parser


COMMANDS = {"generate": cmd_generate, "cycle": cmd_cycle, "export-ha": cmd_export_ha}


def _command(name: str):
    if name in COMMANDS:
        return COMMANDS[name]
    from homeiq_assets import cli_collect, cli_models, cli_production

    return {**cli_collect.COMMANDS, **cli_models.COMMANDS, **cli_production.COMMANDS}[name]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from homeiq_assets.settings import SettingsError

    try:
        return _command(args.command)(args)
    except (UsageError, SettingsError) as exc:
        print(f"homeiq {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted; earlier outputs are intact", file=sys.stderr)
        return 130


if __name__ == "__main__":
    # run as `python -m homeiq_assets.cli`: use the importable module, so the sub-command
    # modules raise the same UsageError class that `main` catches
    from homeiq_assets.cli import main as _main

    sys.exit(_main())
