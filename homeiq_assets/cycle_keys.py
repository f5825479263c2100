"""Cycle keys: validated (they become directory names) and never reused.

Plain Python, so the CLI commands that only need a key (`homeiq collect`, `homeiq lineage`)
do not pay for importing Dagster; the Dagster partitions re-export these.
"""

from __future__ import annotations

import datetime as dt
import re

CYCLE_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def validate_cycle_key(key: str) -> str:
    if not CYCLE_KEY_RE.match(key) or ".." in key:
        raise ValueError(
            f"invalid cycle key {key!r}: use 1-64 letters, digits, '.', '-' or '_', "
            "starting with a letter or digit"
        )
    return key


def new_cycle_key(now: dt.datetime | None = None) -> str:
    """A fresh, sortable key such as c20261122-020000."""
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("c%Y%m%d-%H%M%S")
