"""Deployment: the cycle's model versions that passed their gates (or were explicitly allowed
low quality) become the deployed versions, and the production-readiness report is written."""

import dagster as dg

from homeiq_assets.defs.models.evaluations import read_eval
from homeiq_assets.defs.shared.partitions import cycle_partitions
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets.ml.readiness import write_readiness
from homeiq_assets.ml.registry import ModelRegistry
from homeiq_assets.ml.training import ML_CODE_VERSION, MODEL_NAMES


@dg.asset(
    group_name="deployment",
    partitions_def=cycle_partitions,
    deps=[f"{name}_model" for name in MODEL_NAMES],
    code_version=ML_CODE_VERSION,
    kinds={"markdown"},
)
def deployed_models(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """Deploy this cycle's model versions that passed their gates (or were explicitly allowed
    low quality), update the model manifest and write the production-readiness report."""
    cycle = context.partition_key
    registry = ModelRegistry(store.root / "models")
    evals = {name: read_eval(store, cycle, name) for name in MODEL_NAMES}
    deployed = {}
    for name, ev in evals.items():
        if ev["gate_passed"] or ev["allow_low_quality"]:
            registry.deploy(name, ev["version"], allow_low_quality=ev["allow_low_quality"])
            deployed[name] = ev["version"]
    report = write_readiness(store.root, cycle, evals, deployed, registry.manifest())
    return dg.MaterializeResult(
        metadata={
            "deployed": ", ".join(f"{k} {v}" for k, v in deployed.items()) or "none",
            "models_passing_gate": sum(ev["gate_passed"] for ev in evals.values()),
            "report": dg.MetadataValue.md(report.read_text()),
            "path": dg.MetadataValue.path(str(report)),
        }
    )
