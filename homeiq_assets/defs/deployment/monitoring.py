"""Monitoring: every cycle, each champion is scored on the cycle's collected data — homes it
has never seen — as `<model>_monitoring`, partitioned by cycle, so the UI plots the champion's
headline metric across cycles. The degradation sensor (`defs/automation`) reads these
materialisations and retrains a model whose champion degraded."""

import time

import dagster as dg

from homeiq_assets.defs.models.evaluations import eval_path, registry_of
from homeiq_assets.defs.shared.inputs import fails_on_corrupt_input
from homeiq_assets.defs.shared.partitions import cycle_partitions
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets.ml import scoring
from homeiq_assets.ml.data import load_datasets
from homeiq_assets.ml.gates import GATES, HEADLINE
from homeiq_assets.ml.lifecycle import degradation
from homeiq_assets.ml.registry import gate_passed
from homeiq_assets.ml.training import ML_CODE_VERSION, MODEL_NAMES, TRAINING_DATASETS
from homeiq_assets.settings import settings
from homeiq_assets.storage import write_json_atomic


def _monitoring_asset(name: str) -> dg.AssetsDefinition:
    headline = HEADLINE[name]

    @dg.asset(
        name=f"{name}_monitoring",
        group_name="monitoring",
        partitions_def=cycle_partitions,
        deps=["training_data"],
        code_version=ML_CODE_VERSION,
        kinds={"python"},
        tags={"homeiq/model": name},
        description=f"The {name.replace('_', ' ')} champion scored on this cycle's new homes: "
        f"{headline} with its 95 % interval, against its benchmark score and its gate.",
    )
    @fails_on_corrupt_input
    def _monitor(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
        cycle = context.partition_key
        registry = registry_of(store)
        champion = registry.deployed(name)
        if champion is None:
            return dg.MaterializeResult(
                metadata={"champion": "none", "degraded": False, "reason": "no champion yet"}
            )
        meta = registry.metadata(name, champion)
        if cycle in (meta.get("training_cycles") or []):
            return dg.MaterializeResult(
                metadata={
                    "champion": champion,
                    "degraded": False,
                    "reason": f"{champion} was trained on cycle {cycle}; only unseen homes count",
                }
            )
        started = time.perf_counter()
        data = load_datasets(store.root, [cycle], TRAINING_DATASETS[name])
        stats = scoring.score(name, registry.load(name, champion), data)
        live = scoring.measure(name, headline, stats)
        benchmark = (meta.get("metrics") or {}).get(headline)
        tolerance = settings().regression_tolerance
        verdict = degradation(
            metric=headline,
            live=live,
            benchmark=benchmark,
            gate_threshold=GATES[name].get(headline),
            passed_gate=bool(gate_passed(meta)),
            tolerance=tolerance,
        )
        record = {
            "model": name,
            "cycle": cycle,
            "champion": champion,
            "headline": headline,
            "live": live.to_dict(),
            "benchmark": benchmark,
            "degraded": verdict.degraded,
            "reason": verdict.reason,
            "tolerance": tolerance,
            "seconds": round(time.perf_counter() - started, 2),
        }
        write_json_atomic(record, eval_path(store, cycle, name, "monitoring"))
        (context.log.warning if verdict.degraded else context.log.info)(
            f"{name} {champion}: {verdict.reason}"
        )
        return dg.MaterializeResult(
            metadata={
                headline: live.value,  # numeric: the UI plots it across cycles
                f"{headline}_low": live.low,
                f"{headline}_high": live.high,
                f"{headline}_n": live.n,
                f"benchmark_{headline}": float(benchmark) if benchmark is not None else None,
                "rows": live.n,
                "homes": live.homes,
                "champion": champion,
                "degraded": verdict.degraded,
                "reason": verdict.reason,
            }
        )

    return _monitor


MONITORING_ASSETS = [_monitoring_asset(name) for name in MODEL_NAMES]
