"""The code location: every definition under `homeiq_assets/defs/`, loaded the way Dagster's
`dg` projects load a defs folder, plus the resources they share."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import dagster as dg

from homeiq_assets.defs.shared.resources import DataStore


@cache
def build_defs() -> dg.Definitions:
    """The code location's definitions, built once per process."""
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(resources={"store": DataStore()}),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_defs()


def get_job(name: str) -> dg.JobDefinition:
    """A resolved job by name (module-level, so `dg.build_reconstructable_job` can rebuild it
    in another process)."""
    return build_defs().resolve_job_def(name)
