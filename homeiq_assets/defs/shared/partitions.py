"""The cycle partitions: one dynamic partition per simulation/training cycle.

Keys become directory names under the data dir, so they are validated: letters, digits, dot,
dash and underscore, starting with a letter or digit, at most 64 characters. Keys are never
reused: a cycle that exists is an error, not an overwrite.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings

import dagster as dg

# Partitioned asset checks (one result per cycle) are what this project needs, and Dagster 1.13
# still marks `partitions_def` on a check as "preview"; that one notice is expected and silenced
# here, where every check module gets its partitions from.
warnings.filterwarnings(
    "ignore", category=dg.PreviewWarning, message="Specifying a partitions_def on an AssetCheckSpec"
)

CYCLE_PARTITIONS_NAME = "cycle"
cycle_partitions = dg.DynamicPartitionsDefinition(name=CYCLE_PARTITIONS_NAME)
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
