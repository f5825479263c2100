"""The rollback job: move one model's `champion` back to `previous` (or to a chosen version),
from the UI launchpad (`rollback_job`, config `model` and optional `version`) as from
`homeiq models rollback`; both record it in the model's retraining history."""

from enum import StrEnum

import dagster as dg
from pydantic import Field

from homeiq_assets.defs.models.evaluations import registry_of, run_trigger
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets.ml.lifecycle import rollback
from homeiq_assets.ml.registry import RegistryError
from homeiq_assets.ml.training import MODEL_NAMES

ModelName = StrEnum("ModelName", {name: name for name in MODEL_NAMES})


class RollbackConfig(dg.Config):
    model: ModelName = Field(description="the model to roll back")
    version: str | None = Field(
        None, description="roll back to this version (default: the `previous` alias)"
    )


@dg.op(tags={"homeiq/job": "rollback"})
def rollback_model(
    context: dg.OpExecutionContext, config: RollbackConfig, store: DataStore
) -> dg.Output[str]:
    """Point the model's champion at its previous version (or `version`); the registry checks
    the version's files before it moves the alias."""
    model = ModelName(config.model).value
    registry = registry_of(store)
    try:
        record = rollback(
            registry, model, config.version, trigger=run_trigger(context), run_id=context.run.run_id
        )
    except RegistryError as exc:
        raise dg.Failure(description=str(exc)) from None
    aliases = registry.aliases(model)
    context.log.info(f"{model}: champion {record['from']} -> {record['version']}")
    context.instance.report_runless_asset_event(
        dg.AssetObservation(
            asset_key=f"{model}_champion",
            metadata={
                "champion": aliases["champion"],
                "previous": aliases["previous"] or "none",
                "decision": "rolled back",
                "rolled_back_from": record["from"],
            },
        )
    )
    return dg.Output(
        record["version"],
        metadata={"model": model, "champion": record["version"], "from": record["from"]},
    )


@dg.job(
    tags={"homeiq/job": "rollback"},
    executor_def=dg.in_process_executor,
    description="Roll one model back: its champion becomes the previous version (or the "
    "version given), recorded in its retraining history.",
)
def rollback_job() -> None:
    rollback_model()
