"""The rules of a model's lifecycle, as plain functions the Dagster assets and sensors call:
when a challenger replaces the champion, when a champion counts as degraded, how much new
labelled data a model has, and a rollback that is recorded in the retraining history.

Kept apart from Dagster so each rule is tested on numbers, and so the UI, the CLI and
`homeiq nights` apply exactly the same rules.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from homeiq_assets.collect import training_data as td
from homeiq_assets.collect.lineage import TRAINING
from homeiq_assets.ml.bootstrap import Estimate
from homeiq_assets.ml.registry import ModelRegistry
from homeiq_assets.ml.training import TRAINING_DATASETS

TRIGGERS = ("schedule", "data", "degradation", "manual")


@dataclass(frozen=True)
class Decision:
    """What happens to a challenger, and why (one sentence a person can read)."""

    promote: bool
    reason: str
    relative_change: float | None = None  # challenger vs champion on the headline metric

    def to_dict(self) -> dict:
        return asdict(self)


def promotion_decision(
    *,
    metric: str,
    challenger: float,
    champion: float | None,
    champion_version: str | None,
    gate_passed: bool,
    gate_text: str,
    allow_low_quality: bool,
    tolerance: float,
    difference: Estimate | None = None,
) -> Decision:
    """Promote when the challenger passes its gate (or low quality is explicitly allowed) and
    its headline metric is not below the champion's by more than `tolerance` (relative)."""
    allowed = ""
    if not gate_passed:
        if not allow_low_quality:
            return Decision(False, f"gate failed ({gate_text}); the champion stays")
        allowed = f"; gate failed ({gate_text}) but low quality was allowed"
    if champion_version is None or champion is None:
        return Decision(True, f"first champion: {metric} {challenger:.3f}{allowed}")
    if not math.isfinite(champion):
        return Decision(
            True,
            f"champion {champion_version} has no {metric} on the benchmark rows to compare "
            f"with: {metric} {challenger:.3f}{allowed}",
        )
    if not math.isfinite(challenger):
        return Decision(False, f"challenger {metric} is undefined on the benchmark rows")
    if champion:
        change = (challenger - champion) / abs(champion)
    else:
        change = 0.0 if challenger == champion else math.inf
    paired = (
        f"; paired difference {difference.value:+.3f} [{difference.low:+.3f}, "
        f"{difference.high:+.3f}]"
        if difference is not None
        else ""
    )
    compared = (
        f"{metric} {challenger:.3f} vs {champion:.3f} of champion {champion_version} "
        f"({change:+.1%}{paired})"
    )
    floor = champion * (1.0 - tolerance) if champion > 0 else champion
    if challenger < floor:
        return Decision(
            False,
            f"worse than the champion beyond the {tolerance:.0%} tolerance: {compared}",
            change,
        )
    return Decision(
        True, f"not worse than the champion beyond {tolerance:.0%}: {compared}{allowed}", change
    )


@dataclass(frozen=True)
class Degradation:
    degraded: bool
    reason: str


def degradation(
    *,
    metric: str,
    live: Estimate,
    benchmark: float | None,
    gate_threshold: float | None,
    passed_gate: bool,
    tolerance: float,
) -> Degradation:
    """Whether a champion scored on homes it never saw has degraded.

    Degraded when even the upper end of the live 95 % interval lies below the reference: its
    gate threshold (for a champion that passed its gate on the benchmark; one deployed with
    low quality allowed was below it from the start), or its benchmark score less the
    tolerance. Requiring the whole interval keeps a small cycle's noise from starting a retrain
    every night."""
    shown = f"{metric} {live.value:.3f} [{live.low:.3f}, {live.high:.3f}] on {live.homes} new homes"
    if live.homes == 0 or not math.isfinite(live.high):
        return Degradation(False, f"{metric}: no scoreable rows on the new homes")
    reasons = []
    if passed_gate and gate_threshold is not None and live.high < gate_threshold:
        reasons.append(f"below its gate {gate_threshold:g}")
    if benchmark is not None and math.isfinite(benchmark):
        floor = benchmark * (1.0 - tolerance)
        if live.high < floor:
            reasons.append(f"more than {tolerance:.0%} below its benchmark score {benchmark:.3f}")
    if reasons:
        return Degradation(True, f"{shown}: {' and '.join(reasons)}")
    reference = f"benchmark {benchmark:.3f}" if benchmark is not None else "no benchmark score"
    return Degradation(False, f"{shown}: healthy ({reference}, tolerance {tolerance:.0%})")


# -- data sufficiency -----------------------------------------------------------------------


def cycle_records(data_root: Path, cycle: str, model: str) -> int:
    """Labelled records of `model`'s datasets kept in one cycle (0 if none were collected)."""
    stats = td.read_stats(data_root / TRAINING / cycle).get("datasets", {})
    return sum(int(stats.get(ds, {}).get("kept", 0)) for ds in TRAINING_DATASETS[model])


def collected_cycles(data_root: Path, cycles: Iterable[str]) -> list[str]:
    """The given cycles (in order) whose training data is collected."""
    return [c for c in cycles if (data_root / TRAINING / c / "stats.json").exists()]


@dataclass(frozen=True)
class NewData:
    model: str
    records: int
    threshold: int
    cycles: list[str]  # the cycles the records come from
    since: str | None  # the last cycle already accounted for

    @property
    def sufficient(self) -> bool:
        return self.records >= self.threshold

    def text(self) -> str:
        since = f" since cycle {self.since}" if self.since else ""
        return f"{self.model}: {self.records:,} of {self.threshold:,} new records{since}"


def new_data(
    model: str,
    data_root: Path,
    cycles: list[str],
    accounted: Iterable[str | None],
    threshold: int,
) -> NewData:
    """Labelled records of `model` in the collected `cycles` (in order) after the last of the
    `accounted` cycles (the champion's, the last training's, the last request's)."""
    collected = collected_cycles(data_root, cycles)
    position = {c: i for i, c in enumerate(collected)}
    known = [position[c] for c in accounted if c in position]
    start = max(known) + 1 if known else 0
    fresh = collected[start:]
    records = sum(cycle_records(data_root, c, model) for c in fresh)
    since = collected[start - 1] if start else None
    return NewData(model, records, threshold, fresh, since)


def accounted_cycles(registry: ModelRegistry, model: str) -> list[str]:
    """Cycles whose data `model` has already used or tried: every cycle its champion was
    trained on, and the cycle of every training recorded in its history that ended in a
    decision (a run that failed did not use its data)."""
    out: list[str] = []
    champion = registry.deployed(model)
    if champion is not None:
        out += list(registry.metadata(model, champion).get("training_cycles") or [])
    out += [
        e["cycle"]
        for e in registry.history(model)
        if e.get("cycle") and e.get("decision") in ("promoted", "kept")
    ]
    return out


# -- rollback -------------------------------------------------------------------------------


def rollback(
    registry: ModelRegistry,
    model: str,
    to: str | None = None,
    *,
    trigger: str = "manual",
    run_id: str | None = None,
) -> dict:
    """Move `champion` back (to `previous`, or to version `to`) and record it in the history."""
    before = registry.deployed(model)
    record = registry.rollback(model, to)
    registry.record_history(
        model,
        {
            "trigger": trigger,
            "run_id": run_id,
            "decision": "rolled back",
            "version": record["version"],
            "champion_before": before,
            "champion_after": record["version"],
            "reason": f"champion moved back from {before} to {record['version']}",
        },
    )
    return record
