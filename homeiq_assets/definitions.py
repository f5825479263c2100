"""The code location: assets, checks, jobs and resources."""

from __future__ import annotations

import dagster as dg

from homeiq_assets.assets.collection import COLLECTION_ASSETS
from homeiq_assets.assets.exports import EXPORT_ASSETS
from homeiq_assets.assets.models import GATE_CHECKS, MODEL_ASSETS, benchmark_fleet, deployed_models
from homeiq_assets.assets.simulation import device_health, simulate_fleet
from homeiq_assets.checks import SIMULATION_CHECKS
from homeiq_assets.collection_checks import COLLECTION_CHECKS
from homeiq_assets.jobs import cycle_job, training_job
from homeiq_assets.resources import DataStore
from homeiq_assets.settings import settings

defs = dg.Definitions(
    assets=[
        simulate_fleet,
        device_health,
        *COLLECTION_ASSETS,
        *EXPORT_ASSETS,
        benchmark_fleet,
        *MODEL_ASSETS,
        deployed_models,
    ],
    asset_checks=[*SIMULATION_CHECKS, *COLLECTION_CHECKS, *GATE_CHECKS],
    jobs=[cycle_job, training_job],
    resources={"store": DataStore(base_dir=str(settings().data_dir))},
)


def get_cycle_job() -> dg.JobDefinition:
    """The resolved cycle job (module-level so `reconstructable` can find it)."""
    return defs.resolve_job_def("cycle_job")


def get_training_job() -> dg.JobDefinition:
    return defs.resolve_job_def("training_job")
