"""Model quality gates as blocking, partitioned asset checks on each model's evaluation: a
challenger that fails its gate is not promoted (the check stops `<model>_champion`), unless the
run allowed low quality, in which case the check warns and says so."""

import dagster as dg

from homeiq_assets.defs.models import pages
from homeiq_assets.defs.models.evaluations import read_eval
from homeiq_assets.defs.shared.partitions import cycle_partitions
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets.ml.training import MODEL_NAMES


def _gate_check(name: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=f"{name}_evaluation",
        name=f"{name}_gate",
        blocking=True,
        partitions_def=cycle_partitions,
        description=f"Quality gate of the {name.replace('_', ' ')} model: each gate metric of "
        "the challenger, measured on the benchmark homes, must reach its threshold (the table "
        "in the result). Blocking: a challenger that fails is not promoted and the champion "
        "stays, unless the run allowed low quality, which is recorded.",
    )
    def _check(context: dg.AssetCheckExecutionContext, store: DataStore) -> dg.AssetCheckResult:
        ev = read_eval(store, context.partition_key, name)
        metrics = {k: round(float(v), 4) for k, v in ev["metrics"].items()}
        low_ok = ev["allow_low_quality"]
        return dg.AssetCheckResult(
            passed=ev["gate_passed"],
            # an allowed low-quality challenger warns instead of blocking its promotion
            severity=dg.AssetCheckSeverity.WARN if low_ok else dg.AssetCheckSeverity.ERROR,
            description=(
                f"{ev['version']}: gate passed"
                if ev["gate_passed"]
                else f"{ev['version']}: gate failed: "
                + ", ".join(f"{m} {v[0]:.3f} < {v[1]}" for m, v in ev["failing"].items())
                + (" (allowed: --allow-low-quality)" if low_ok else "; the champion stays")
            ),
            metadata={
                "thresholds": dg.MetadataValue.md(
                    pages.gate_table(name, ev["metrics"], ev.get("estimates") or {})
                ),
                "version": ev["version"],
                **metrics,
            },
        )

    return _check


GATE_CHECKS = [_gate_check(name) for name in MODEL_NAMES]
