"""The cycle partitions: one dynamic partition per simulation/training cycle.

Keys become directory names under the data dir, so they are validated: letters, digits, dot,
dash and underscore, starting with a letter or digit, at most 64 characters. Keys are never
reused: a cycle that exists is an error, not an overwrite.
"""

from __future__ import annotations

import warnings

import dagster as dg

from homeiq_assets.cycle_keys import CYCLE_KEY_RE, new_cycle_key, validate_cycle_key

# Partitioned asset checks (one result per cycle) are what this project needs, and Dagster 1.13
# still marks `partitions_def` on a check as "preview"; that one notice is expected and silenced
# here, where every check module gets its partitions from.
warnings.filterwarnings(
    "ignore", category=dg.PreviewWarning, message="Specifying a partitions_def on an AssetCheckSpec"
)

CYCLE_PARTITIONS_NAME = "cycle"
cycle_partitions = dg.DynamicPartitionsDefinition(name=CYCLE_PARTITIONS_NAME)
__all__ = [
    "CYCLE_KEY_RE",
    "CYCLE_PARTITIONS_NAME",
    "cycle_partitions",
    "new_cycle_key",
    "validate_cycle_key",
]
