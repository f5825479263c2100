"""`homeiq` command line: the parser and the dispatcher. Each command group lives in its own
module (`generate`, `cycle`, `collect`, `export_ha`, `models`, `production`, `retrain`, `status`,
`nights`) and exposes
`add_parsers` and `COMMANDS`; this module only puts them together, so no group imports another.

Bad input exits with code 2 and one line naming the option (or the unreadable input file),
before anything is written.
"""

from __future__ import annotations

import argparse
import gc
import sys

from homeiq_assets.cli import (
    collect,
    cycle,
    export_ha,
    generate,
    models,
    nights,
    production,
    retrain,
    status,
)
from homeiq_assets.cli.common import EXIT_USAGE, Parser, UsageError
from homeiq_assets.readers import CorruptInputError
from homeiq_assets.settings import SettingsError

GROUPS = (generate, cycle, export_ha, collect, models, production, retrain, status, nights)
COMMANDS = {name: fn for group in GROUPS for name, fn in group.COMMANDS.items()}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="homeiq", description="homeiq-assets command line")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for group in GROUPS:
        group.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (UsageError, SettingsError, CorruptInputError) as exc:
        print(f"homeiq {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted; earlier outputs are intact", file=sys.stderr)
        return 130


def run() -> None:
    """The `homeiq` program: `main`, then exit with its code.

    Before it exits, the interpreter collects garbage over every object still alive (the
    modules, pandas, what a command held): 0.1-0.15 s of one core after a collection, only to
    free memory the process returns to the system as it ends. Objects alive now are frozen,
    so those passes skip them; everything still closes as before (files are closed where they
    are written, and the interpreter runs `atexit` and clears its modules as usual). Tests call
    `main`, whose process goes on.
    """
    code = main()
    gc.freeze()
    sys.exit(code)
