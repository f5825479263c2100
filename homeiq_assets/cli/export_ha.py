"""`homeiq export-ha`: one simulated home as a Home Assistant configuration directory
(registries in `.storage`, the recorder database, `configuration.yaml`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from homeiq_assets.cli.common import UsageError


def add_parsers(sub: argparse._SubParsersAction) -> None:
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
    from homeiq_assets.export.home_assistant.snapshot import SnapshotError, write_ha_snapshot

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


COMMANDS = {"export-ha": cmd_export_ha}
