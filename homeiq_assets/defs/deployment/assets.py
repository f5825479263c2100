"""Deployment: per model, `<model>_champion` applies the evaluation's decision — the challenger
becomes `champion` (the old one `previous`) or the champion stays — and records the training in
the model's retraining history. It runs only when the challenger's gate check did not block
it, and depends on no other model, so one model's failed gate leaves the others promoted."""

import dagster as dg

from homeiq_assets.defs.models.assets import history_entry
from homeiq_assets.defs.models.evaluations import read_eval, registry_of
from homeiq_assets.defs.models.pages import interval_text
from homeiq_assets.defs.shared.partitions import cycle_partitions
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets.ml.gates import HEADLINE
from homeiq_assets.ml.training import ML_CODE_VERSION, MODEL_NAMES


def _champion_asset(name: str) -> dg.AssetsDefinition:
    headline = HEADLINE[name]

    @dg.asset(
        name=f"{name}_champion",
        group_name="deployment",
        partitions_def=cycle_partitions,
        deps=[f"{name}_evaluation"],
        code_version=ML_CODE_VERSION,
        kinds={"python"},
        tags={"homeiq/model": name},
        description=f"The deployed {name.replace('_', ' ')} version after this cycle's "
        "evaluation: the challenger promoted (it passed its gate and is not worse than the "
        "champion beyond the tolerance) or the champion kept, with the reason.",
    )
    def _promote(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
        cycle = context.partition_key
        ev = read_eval(store, cycle, name)
        ab = read_eval(store, cycle, name, "ab")
        registry = registry_of(store)
        current = registry.deployed(name)
        if current != ab["champion_before"]:
            raise dg.Failure(
                description=f"{name}: the champion moved from {ab['champion_before']} to "
                f"{current} after this evaluation; materialise {name}_evaluation again"
            )
        promote = ab["decision"]["promote"]
        if promote:
            registry.deploy(name, ab["challenger"], allow_low_quality=ev["allow_low_quality"])
        champion = registry.deployed(name)
        entry = registry.record_history(
            name, history_entry(ev, ab, "promoted" if promote else "kept", champion)
        )
        row = ab["comparison"][headline]
        benchmark = row["challenger"] if promote or "champion" not in row else row["champion"]
        context.log.info(f"{name}: champion {champion} ({entry['reason']})")
        return dg.MaterializeResult(
            metadata={
                # the champion's headline metric on the benchmark homes, plotted over cycles
                headline: benchmark["value"],
                f"{headline} [95 % interval]": interval_text(benchmark),
                "decision": entry["decision"],
                "reason": entry["reason"],
                "champion": champion or "none",
                "previous": registry.aliases(name)["previous"] or "none",
                f"{headline}_low": benchmark["low"],
                f"{headline}_high": benchmark["high"],
                "challenger": ab["challenger"],
                f"challenger_{headline}": row["challenger"]["value"],
            }
        )

    return _promote


CHAMPION_ASSETS = [_champion_asset(name) for name in MODEL_NAMES]
