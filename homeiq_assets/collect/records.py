"""Pydantic models of every collected record type: the contract a record must meet before it
enters a training dataset. Validation failures are counted per stage, never silently dropped."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from homeiq_assets.sim.catalog import HOME_TYPES

Unit = Field(ge=0.0, le=1.0)


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")

    home_id: str = Field(pattern=r"^h\d{5}$")


class PatternRecord(_Record):
    pattern_id: str
    pattern_type: Literal["sequence", "time_of_day", "daily_rhythm"]
    trigger_kind: Literal[
        "state", "numeric_above", "numeric_below", "time", "house_asleep", "house_awake"
    ]
    trigger_entity_id: str | None
    trigger_state: str | None
    action_entity_id: str = Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")
    action_state: str
    occurrences: int = Field(ge=1)
    support: float = Unit
    confidence: float = Unit
    coverage: float = Unit
    lift: float = Field(ge=0.0)
    regularity: float = Unit
    lag_s_median: float | None = Field(default=None, ge=0.0)
    lag_s_std: float | None = Field(default=None, ge=0.0)
    time_local_h: float | None = Field(default=None, ge=0.0, lt=24.0)
    strong: bool
    automated_share: float = Unit
    automated: bool
    explained_away: Literal["device_cycle", "other_trigger"] | None = None
    gt_real: bool
    gt_habit_id: str | None
    gt_automation_id: str | None

    @field_validator("trigger_entity_id")
    @classmethod
    def _sequence_has_trigger(cls, v: str | None, info) -> str | None:
        if info.data.get("pattern_type") == "sequence" and not v:
            raise ValueError("a sequence pattern needs a trigger entity")
        return v


class SynergyRecord(_Record):
    pair_id: str
    trigger_device_id: str
    trigger_entity_id: str
    action_device_id: str
    action_entity_id: str
    relationship: str
    same_area: bool
    same_floor: bool
    trigger_events: int = Field(ge=0)
    action_events: int = Field(ge=0)
    coverage_120s: float = Unit
    lift_120s: float = Field(ge=0.0)
    rule_linked: bool
    gt_linked: bool
    gt_automated: bool


class SuggestionRecord(_Record):
    suggestion_id: str
    source: Literal["pattern", "synergy"]
    source_id: str
    text: str = Field(min_length=10)
    yaml: str = Field(min_length=10)
    confidence: float = Unit
    yaml_parses: bool
    yaml_schema_valid: bool
    yaml_entities_exist: bool
    yaml_valid: bool
    gt_matches_habit: bool
    gt_habit_id: str | None


class AskAIRecord(_Record):
    record_id: str
    request: str = Field(min_length=5)
    intent_kind: str
    answer_yaml: str
    answer_confidence: float = Unit
    yaml_valid: bool
    approved: bool
    matches_planted_routine: bool


class HomeProfileRecord(_Record):
    profile_id: str
    devices: float = Field(ge=1)
    areas: float = Field(ge=1)
    events_per_day: float = Field(ge=0)
    gt_home_type: Literal[HOME_TYPES]  # type: ignore[valid-type]


RECORD_MODELS: dict[str, type[_Record]] = {
    "patterns": PatternRecord,
    "synergies": SynergyRecord,
    "suggestions": SuggestionRecord,
    "ask_ai": AskAIRecord,
    "home_profile": HomeProfileRecord,
}


def validate_records(stage: str, records: list[dict]) -> tuple[list[dict], dict[str, int]]:
    """Records that meet their model, and failure counts keyed by the first failing field."""
    model = RECORD_MODELS[stage]
    valid: list[dict] = []
    failures: dict[str, int] = {}
    for rec in records:
        try:
            model.model_validate(rec)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = f"{'.'.join(str(p) for p in err['loc']) or 'record'}: {err['type']}"
            failures[key] = failures.get(key, 0) + 1
            continue
        valid.append(rec)
    return valid, failures
