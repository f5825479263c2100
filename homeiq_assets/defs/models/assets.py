"""Model assets: the benchmark fleet (unpartitioned) and one asset per model, partitioned by
cycle, trained on the collected data of every cycle so far and scored on the benchmark homes.

Each model asset calls `ml.training.train_model`, which registers an immutable version; its
evaluation is written beside the cycle (see `evaluations`) for the gate check and the
deployment to read.
"""

import base64
import time
from pathlib import Path

import dagster as dg
from pydantic import Field

from homeiq_assets.defs.exports.assets import cycles_up_to
from homeiq_assets.defs.models.evaluations import AUDIT_DIR, BENCHMARK_DIR, EVALS_DIR, eval_path
from homeiq_assets.defs.shared.partitions import cycle_partitions
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets.ml.benchmark import (
    AUDIT,
    BENCHMARK,
    DEFAULT_DAYS,
    DEFAULT_HOMES,
    MIN_DAYS,
    MIN_HOMES,
    ReservedFleet,
    build_reserved_fleet,
)
from homeiq_assets.ml.registry import ModelRegistry
from homeiq_assets.ml.training import ML_CODE_VERSION, MODEL_NAMES, train_model
from homeiq_assets.storage import write_json_atomic


class ReservedFleetConfig(dg.Config):
    homes: int = Field(
        DEFAULT_HOMES, ge=MIN_HOMES, le=2000, description="homes, spread over four seasons"
    )
    days: int = Field(DEFAULT_DAYS, ge=MIN_DAYS, le=366, description="days per home")


def _reserved_fleet(
    context: dg.AssetExecutionContext,
    config: ReservedFleetConfig,
    store: DataStore,
    fleet: ReservedFleet,
    folder: str,
) -> dg.MaterializeResult:
    info = build_reserved_fleet(
        store.root / folder, fleet, config.homes, config.days, progress=context.log.info
    )
    context.log.info(f"{fleet.name} fleet: {'built' if info['built_now'] else 'reused'}")
    return dg.MaterializeResult(
        metadata={
            "homes": config.homes,
            "days": config.days,
            "seasons": dg.MetadataValue.md(
                "| part | homes | seed | first day |\n|---|---|---|---|\n"
                + "\n".join(
                    f"| {p.cycle} | {info['homes_per_season'][p.cycle]} | {p.seed} | {p.start} |"
                    for p in fleet.parts
                )
            ),
            "events": info["events"],
            **{f"records_{k}": v for k, v in info["records"].items()},
            "built_now": info["built_now"],
        }
    )


@dg.asset(group_name="models", code_version="benchmark-2", kinds={"parquet"})
def benchmark_fleet(
    context: dg.AssetExecutionContext, config: ReservedFleetConfig, store: DataStore
) -> dg.MaterializeResult:
    """Homes from reserved seeds, over the four seasons, that no training cycle uses,
    collected like a cycle: every gate, champion/challenger comparison and design choice is
    scored on exactly these homes (device models after a 14-day burn-in)."""
    return _reserved_fleet(context, config, store, BENCHMARK, BENCHMARK_DIR)


@dg.asset(group_name="models", code_version="audit-1", kinds={"parquet"})
def audit_fleet(
    context: dg.AssetExecutionContext, config: ReservedFleetConfig, store: DataStore
) -> dg.MaterializeResult:
    """A second reserved fleet, built like the benchmark from other seeds and start dates,
    shown only in the readiness report and never used for a threshold, a design choice or early
    stopping: if a model's audit figures fall well below its benchmark figures, the benchmark
    has been overfitted."""
    return _reserved_fleet(context, config, store, AUDIT, AUDIT_DIR)


class ModelTrainingConfig(dg.Config):
    seed: int = Field(0, ge=0, description="training seed")
    allow_low_quality: bool = Field(
        False, description="deploy even if the gate fails (recorded in the model metadata)"
    )


def _png_markdown(plots: dict[str, str]) -> str:
    parts = []
    for name, path in plots.items():
        data = base64.b64encode(Path(path).read_bytes()).decode()
        parts.append(f"**{name}**\n\n![{name}](data:image/png;base64,{data})")
    return "\n\n".join(parts)


def _model_asset(name: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"{name}_model",
        group_name="models",
        partitions_def=cycle_partitions,
        deps=["training_data", "benchmark_fleet", "audit_fleet"],
        code_version=ML_CODE_VERSION,
        kinds={"python"},
        op_tags={"homeiq/model": name},
        description=f"The {name.replace('_', ' ')} model of DESIGN §7: trained on every cycle "
        "so far, scored on the benchmark homes next to its baseline, registered as a new version.",
    )
    def _train(
        context: dg.AssetExecutionContext, config: ModelTrainingConfig, store: DataStore
    ) -> dg.MaterializeResult:
        cycle = context.partition_key
        cycles = cycles_up_to(context, store, cycle)
        if cycle not in cycles:
            raise dg.Failure(description=f"training_data for cycle {cycle!r} is not materialised")
        started = time.perf_counter()
        plots_dir = store.root / EVALS_DIR / cycle / f"{name}_plots"
        outcome = train_model(
            name,
            store.root,
            cycles,
            store.root / BENCHMARK_DIR,
            plots_dir,
            ModelRegistry(store.root / "models"),
            seed=config.seed,
            allow_low_quality=config.allow_low_quality,
        )
        summary = {**outcome.summary(), "cycle": cycle, "cycles": cycles}
        write_json_atomic(summary, eval_path(store, cycle, name))
        numbers = {k: round(float(v), 4) for k, v in summary["metrics"].items()}
        baseline = {f"baseline_{k}": v for k, v in summary["baseline"].items() if _num(v)}
        samples = {f"samples_{k}": v for k, v in summary["samples"].items() if _num(v)}
        return dg.MaterializeResult(
            metadata={
                **numbers,
                **baseline,
                **samples,
                "version": outcome.version,
                "gate_passed": outcome.gate.passed,
                "gate": outcome.gate.describe(),
                "baseline_name": summary["baseline_name"],
                "training_cycles": len(cycles),
                "training_seconds": round(time.perf_counter() - started, 2),
                "plots": dg.MetadataValue.md(_png_markdown(summary["plots"])),
            }
        )

    return _train


def _num(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


MODEL_ASSETS = [_model_asset(name) for name in MODEL_NAMES]
