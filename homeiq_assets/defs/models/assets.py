"""Model assets: the benchmark fleet (unpartitioned) and, per model, the first two steps of its
lifecycle, partitioned by cycle (the last cycle whose data the training may use):

- `<model>_challenger` trains a new version — on the collected data of every cycle so far
  (`mode: full`) or by updating the champion with the cycles it has not seen
  (`mode: incremental`) — scores it on the benchmark homes and registers it (immutable);
- `<model>_evaluation` scores champion and challenger on the same benchmark rows (the A/B
  table with paired differences and their intervals) and decides whether the challenger may
  replace the champion. Its gate check (`checks.py`) blocks `<model>_champion`
  (`defs/deployment`), which applies the decision.

Each model's chain depends on no other model, so one model's failure never blocks another.
"""

import time
from enum import StrEnum

import dagster as dg
from pydantic import Field

from homeiq_assets.defs.exports.assets import cycles_up_to
from homeiq_assets.defs.models import pages
from homeiq_assets.defs.models.evaluations import (
    AUDIT_DIR,
    BENCHMARK_DIR,
    EVALS_DIR,
    benchmark_lock,
    eval_path,
    read_eval,
    registry_of,
    run_trigger,
)
from homeiq_assets.defs.shared.inputs import fails_on_corrupt_input
from homeiq_assets.defs.shared.partitions import cycle_partitions
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets.ml import scoring
from homeiq_assets.ml.benchmark import (
    AUDIT,
    BENCHMARK,
    MIN_DAYS,
    MIN_HOMES,
    ReservedFleet,
    build_reserved_fleet,
)
from homeiq_assets.ml.bootstrap import Estimate
from homeiq_assets.ml.data import load_datasets
from homeiq_assets.ml.gates import GATES, HEADLINE
from homeiq_assets.ml.lifecycle import promotion_decision
from homeiq_assets.ml.training import (
    ML_CODE_VERSION,
    MODEL_NAMES,
    TRAINING_DATASETS,
    supports_incremental,
    train_model,
)
from homeiq_assets.settings import settings
from homeiq_assets.storage import write_json_atomic


class ReservedFleetConfig(dg.Config):
    homes: int | None = Field(
        None,
        ge=MIN_HOMES,
        le=2000,
        description="homes, spread over four seasons (HOMEIQ_BENCHMARK_HOMES, default 120)",
    )
    days: int | None = Field(
        None, ge=MIN_DAYS, le=366, description="days per home (HOMEIQ_BENCHMARK_DAYS, default 60)"
    )


def _reserved_fleet(
    context: dg.AssetExecutionContext,
    config: ReservedFleetConfig,
    store: DataStore,
    fleet: ReservedFleet,
    folder: str,
) -> dg.MaterializeResult:
    homes = config.homes or settings().benchmark_homes
    days = config.days or settings().benchmark_days
    with benchmark_lock(store):
        info = build_reserved_fleet(
            store.root / folder, fleet, homes, days, progress=context.log.info
        )
    context.log.info(f"{fleet.name} fleet: {'built' if info['built_now'] else 'reused'}")
    return dg.MaterializeResult(
        metadata={
            "homes": homes,
            "days": days,
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
    collected like a cycle: every gate and every champion/challenger comparison is scored on
    exactly these homes (device models after a 14-day burn-in)."""
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


class TrainingMode(StrEnum):
    full = "full"
    incremental = "incremental"


class ChallengerConfig(dg.Config):
    mode: TrainingMode | None = Field(
        None,
        description="full: train on every cycle so far; incremental: update the champion with "
        "the cycles it has not seen (default HOMEIQ_TRAINING_MODE)",
    )
    seed: int = Field(0, ge=0, description="training seed")
    allow_low_quality: bool = Field(
        False, description="promote even if the gate fails (recorded in the model metadata)"
    )


class EvaluationConfig(dg.Config):
    regression_tolerance: float | None = Field(
        None,
        ge=0.0,
        lt=1.0,
        description="relative drop of the headline metric allowed against the champion "
        "(default HOMEIQ_REGRESSION_TOLERANCE)",
    )


def _num(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _log_outcome(
    context: dg.AssetExecutionContext, name: str, summary: dict, outcome, seconds: float
) -> None:
    """What a person watching the run wants to know about a training, one line each."""
    records = ", ".join(f"{k} {v:,}" for k, v in outcome.records.items())
    context.log.info(
        f"{name}: trained {outcome.version} in {seconds:.0f} s on {records} records "
        f"({len(outcome.new_cycles)} new cycle(s))"
    )
    estimates = summary.get("estimates") or {}
    shown = [
        f"{m} {pages.interval_text(estimates.get(m))}" if estimates.get(m) else f"{m} {v:.3f}"
        for m, v in summary["metrics"].items()
        if m in GATES[name] or m == HEADLINE[name]
    ]
    context.log.info(f"{name}: on the benchmark homes: " + "; ".join(shown))
    if outcome.gate.passed:
        context.log.info(f"{name}: gate passed")
    else:
        context.log.warning(
            f"{outcome.gate.describe()}"
            + (" — allowed (--allow-low-quality)" if outcome.allow_low_quality else "")
        )


def _challenger_asset(name: str) -> dg.AssetsDefinition:
    incremental = (
        "LightGBM continues from the champion's trees"
        if name == "device_failure"
        else "the GNN fine-tunes from the champion's weights"
        if name == "synergy_gnn"
        else "this model cannot be updated and retrains in full"
    )

    @dg.asset(
        name=f"{name}_challenger",
        group_name="models",
        partitions_def=cycle_partitions,
        deps=["training_data", "benchmark_fleet"],
        code_version=ML_CODE_VERSION,
        kinds={"python"},
        tags={"homeiq/model": name},
        description=f"A new {name.replace('_', ' ')} model version: trained on the collected "
        f"data of every cycle so far (full) or updated from the champion with the new cycles "
        f"(incremental: {incremental}), scored on the benchmark homes — reserved homes no "
        "training uses — next to the baseline it must beat, and registered. The page leads "
        "with the headline metric and its 95 % interval, the gate and what it means for "
        "promotion, then the gate table, the baseline, the sample sizes and the plots.",
    )
    @fails_on_corrupt_input
    def _train(
        context: dg.AssetExecutionContext, config: ChallengerConfig, store: DataStore
    ) -> dg.MaterializeResult:
        cycle = context.partition_key
        cycles = cycles_up_to(context, store, cycle)
        if cycle not in cycles:
            raise dg.Failure(description=f"training_data for cycle {cycle!r} is not materialised")
        mode = TrainingMode(config.mode).value if config.mode else settings().training_mode
        context.log.info(
            f"{name}: training a challenger ({mode}) on the collected data of "
            f"{len(cycles)} cycle(s) up to {cycle}"
        )
        started = time.perf_counter()
        try:
            outcome = train_model(
                name,
                store.root,
                cycles,
                store.root / BENCHMARK_DIR,
                store.root / EVALS_DIR / cycle / f"{name}_plots",
                registry_of(store),
                seed=config.seed,
                allow_low_quality=config.allow_low_quality,
                mode=mode,
            )
        except ValueError as exc:  # e.g. incremental with nothing new to learn from
            raise dg.Failure(description=str(exc)) from None
        if outcome.mode_note:
            context.log.warning(outcome.mode_note)
        summary = {
            **outcome.summary(),
            "cycle": cycle,
            "cycles": cycles,
            "trigger": run_trigger(context),
            "run_id": context.run.run_id,
        }
        write_json_atomic(summary, eval_path(store, cycle, name))
        seconds = round(time.perf_counter() - started, 2)
        _log_outcome(context, name, summary, outcome, seconds)
        baseline = {f"baseline_{k}": v for k, v in summary["baseline"].items() if _num(v)}
        samples = {f"samples_{k}": v for k, v in summary["samples"].items() if _num(v)}
        details = {
            "version": outcome.version,
            "mode": outcome.mode,
            "mode_note": outcome.mode_note or "—",
            "incremental_supported": supports_incremental(name),
            "base_version": outcome.base_version or "—",
            "trigger": summary["trigger"],
            "baseline_name": summary["baseline_name"],
            **baseline,
            **samples,
            "training_cycles": len(outcome.cycles),
            "new_cycles": len(outcome.new_cycles),
            "training_records": sum(outcome.records.values()),
            "training_seconds": seconds,
            # the headline and gate metrics, baselines and paired gaps with their intervals:
            # a table to read, and numbers the UI plots across cycles
            "figures": dg.MetadataValue.md(scoring.estimates_table(name, summary["estimates"])),
            **scoring.interval_metadata(name, summary["estimates"]),
        }
        return dg.MaterializeResult(metadata=pages.challenger_metadata(name, summary, details))

    return _train


def _evaluation_asset(name: str) -> dg.AssetsDefinition:
    headline = HEADLINE[name]

    @dg.asset(
        name=f"{name}_evaluation",
        group_name="models",
        partitions_def=cycle_partitions,
        deps=[f"{name}_challenger"],
        code_version=ML_CODE_VERSION,
        kinds={"markdown"},
        tags={"homeiq/model": name},
        description=f"Champion and challenger {name.replace('_', ' ')} scored on the same "
        f"benchmark homes, and the promotion decision: the page leads with the challenger's "
        f"{headline}, the gate and the decision with its reason, then the A/B table (each "
        "metric for both versions, the paired difference and its 95 % interval). A challenger "
        f"is promoted when it passes its gate and its {headline} is not worse than the "
        "champion's beyond the regression tolerance.",
    )
    @fails_on_corrupt_input
    def _evaluate(
        context: dg.AssetExecutionContext, config: EvaluationConfig, store: DataStore
    ) -> dg.MaterializeResult:
        cycle = context.partition_key
        ev = read_eval(store, cycle, name)
        registry = registry_of(store)
        tolerance = (
            config.regression_tolerance
            if config.regression_tolerance is not None
            else settings().regression_tolerance
        )
        started = time.perf_counter()
        bench = load_datasets(store.root / BENCHMARK_DIR, BENCHMARK.cycles, TRAINING_DATASETS[name])
        challenger = scoring.score(name, registry.load(name, ev["version"]), bench)
        champion_version = registry.deployed(name)
        champion = None
        if champion_version is not None and champion_version != ev["version"]:
            champion = scoring.score(name, registry.load(name, champion_version), bench)
        comparison = scoring.compare(name, champion, challenger)
        row = comparison[headline]
        diff = Estimate(**row["difference"]) if "difference" in row else None
        gate_text = ", ".join(f"{m} {v[0]:.3f} < {v[1]}" for m, v in ev["failing"].items())
        decision = promotion_decision(
            metric=headline,
            challenger=row["challenger"]["value"],
            champion=row["champion"]["value"] if "champion" in row else None,
            champion_version=champion_version if champion is not None else None,
            gate_passed=ev["gate_passed"],
            gate_text=gate_text,
            allow_low_quality=ev["allow_low_quality"],
            tolerance=tolerance,
            difference=diff,
        )
        table = scoring.ab_table(name, comparison, (champion_version or "—", ev["version"]))
        blocked = not ev["gate_passed"] and not ev["allow_low_quality"]
        ab = {
            "model": name,
            "cycle": cycle,
            "challenger": ev["version"],
            "champion_before": champion_version,
            "headline": headline,
            "comparison": comparison,
            "tolerance": tolerance,
            "decision": decision.to_dict(),
            "blocked_by_gate": blocked,
            "seconds": round(time.perf_counter() - started, 2),
            "table": table,
        }
        write_json_atomic(ab, eval_path(store, cycle, name, "ab"))
        if blocked:  # the gate check stops the lifecycle here: record how it ended
            registry.record_history(name, history_entry(ev, ab, "kept", champion_version))
        context.log.info(f"{name}: {decision.reason}")
        gate = "PASSED" if ev["gate_passed"] else f"FAILED: {gate_text}"
        if not ev["gate_passed"] and ev["allow_low_quality"]:
            gate += " (allowed: --allow-low-quality)"
        metadata: dict = {
            f"challenger_{headline}": row["challenger"]["value"],
            f"challenger {headline} [95 % interval]": pages.interval_text(row["challenger"]),
            "gate": gate,
            "decision": "promote the challenger" if decision.promote else "keep the champion",
            "reason": decision.reason,
            "promote": decision.promote,
        }
        if "champion" in row:
            metadata[f"champion_{headline}"] = row["champion"]["value"]
            metadata[f"champion {headline} [95 % interval]"] = pages.interval_text(row["champion"])
            metadata[f"difference_{headline}"] = row["difference"]["value"]
            metadata[f"difference_{headline}_low"] = row["difference"]["low"]
            metadata[f"difference_{headline}_high"] = row["difference"]["high"]
        metadata |= {
            "ab_table": dg.MetadataValue.md(
                table
                + f"\n\n**Decision:** {'promote' if decision.promote else 'keep the champion'}"
                f" — {decision.reason}"
            ),
            "challenger": ev["version"],
            "champion": champion_version or "none",
            "tolerance": tolerance,
            "benchmark_homes": challenger.n_homes,
            f"challenger_{headline}_low": row["challenger"]["low"],
            f"challenger_{headline}_high": row["challenger"]["high"],
            f"challenger_{headline}_n": row["challenger"]["n"],
        }
        return dg.MaterializeResult(metadata=metadata)

    return _evaluate


def history_entry(ev: dict, ab: dict, decision: str, champion_after: str | None) -> dict:
    """One retraining-history entry from a cycle's challenger and A/B evaluation files."""
    headline = ab["headline"]
    row = ab["comparison"][headline]
    return {
        "run_id": ev.get("run_id"),
        "trigger": ev.get("trigger", "manual"),
        "mode": ev.get("mode", "full"),
        "requested_mode": ev.get("requested_mode", "full"),
        "mode_note": ev.get("mode_note", ""),
        "cycle": ab["cycle"],
        "cycles": ev.get("training_cycles", []),
        "new_cycles": ev.get("new_cycles", []),
        "records": ev.get("training_records", {}),
        "version": ab["challenger"],
        "base_version": ev.get("base_version"),
        "champion_before": ab["champion_before"],
        "champion_after": champion_after,
        "headline": headline,
        "challenger_metrics": {m: r["challenger"] for m, r in ab["comparison"].items()},
        "champion_metrics": {
            m: r["champion"] for m, r in ab["comparison"].items() if "champion" in r
        },
        "difference": row.get("difference"),
        "gate_passed": ev["gate_passed"],
        "allow_low_quality": ev["allow_low_quality"],
        "decision": decision,
        "reason": ab["decision"]["reason"],
        "tolerance": ab["tolerance"],
        "duration_s": round(float(ev.get("duration_s", 0.0)) + float(ab.get("seconds", 0.0)), 2),
    }


CHALLENGER_ASSETS = [_challenger_asset(name) for name in MODEL_NAMES]
EVALUATION_ASSETS = [_evaluation_asset(name) for name in MODEL_NAMES]
