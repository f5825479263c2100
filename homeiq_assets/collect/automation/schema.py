"""The automation schema: pydantic models of what Home Assistant 2024.10+ accepts.

Triggers, conditions and actions are discriminated unions on their kind, so an error names the
one kind that was meant rather than every kind that was tried. Service calls are also checked
against the service tables (`automation_services`): an action naming a service that does not
exist, or one aimed at another domain's entity, would load but fail when it runs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from homeiq_assets.collect.automation.services import (
    CROSS_DOMAIN,
    HVAC_MODES,
    KNOWN_SERVICES,
    NUMERIC_DATA,
    REQUIRED_DATA,
)
from homeiq_assets.collect.automation.values import (
    BOOL_HINT,
    Duration,
    EntityIds,
    NumberOrEntity,
    Offset,
    States,
    TimeOfDay,
    TimesOfDay,
    Weekdays,
)


class _Strict(BaseModel):
    """Keys every trigger, condition and action may carry; any other key is refused, as in HA."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str | None = None
    alias: str | None = None
    enabled: bool = True


class StateTrigger(_Strict):
    trigger: Literal["state"]
    entity_id: EntityIds
    attribute: str | None = None
    from_: States | None = Field(default=None, alias="from")
    to: States | None = None
    not_from: States | None = None
    not_to: States | None = None
    for_: Duration | None = Field(default=None, alias="for")


class _Threshold(_Strict):
    entity_id: EntityIds
    attribute: str | None = None
    value_template: str | None = None
    above: NumberOrEntity | None = None
    below: NumberOrEntity | None = None

    @model_validator(mode="after")
    def _bounds(self) -> _Threshold:
        if self.above is None and self.below is None:
            raise ValueError("needs 'above' or 'below'")
        numbers = isinstance(self.above, float) and isinstance(self.below, float)
        if numbers and self.above >= self.below:
            raise ValueError(f"'above' {self.above} must be less than 'below' {self.below}")
        return self


class NumericStateTrigger(_Threshold):
    trigger: Literal["numeric_state"]
    for_: Duration | None = Field(default=None, alias="for")


class TimeTrigger(_Strict):
    trigger: Literal["time"]
    at: TimesOfDay


class TimePatternTrigger(_Strict):
    trigger: Literal["time_pattern"]
    hours: int | str | None = None
    minutes: int | str | None = None
    seconds: int | str | None = None


class SunTrigger(_Strict):
    trigger: Literal["sun"]
    event: Literal["sunrise", "sunset"]
    offset: Offset | None = None


class EventTrigger(_Strict):
    trigger: Literal["event"]
    event_type: str | list[str]
    event_data: dict | None = None


class HomeAssistantTrigger(_Strict):
    trigger: Literal["homeassistant"]
    event: Literal["start", "shutdown"]


TRIGGER_KINDS = ("state", "numeric_state", "time", "time_pattern", "sun", "event", "homeassistant")
AnyTrigger = Annotated[
    StateTrigger
    | NumericStateTrigger
    | TimeTrigger
    | TimePatternTrigger
    | SunTrigger
    | EventTrigger
    | HomeAssistantTrigger,
    Field(discriminator="trigger"),
]


class StateCondition(_Strict):
    condition: Literal["state"]
    entity_id: EntityIds
    state: States
    attribute: str | None = None
    for_: Duration | None = Field(default=None, alias="for")
    match: Literal["all", "any"] | None = None


class NumericStateCondition(_Threshold):
    condition: Literal["numeric_state"]


class SunCondition(_Strict):
    condition: Literal["sun"]
    after: Literal["sunrise", "sunset"] | None = None
    before: Literal["sunrise", "sunset"] | None = None
    after_offset: Offset | None = None
    before_offset: Offset | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> SunCondition:
        if self.after is None and self.before is None:
            raise ValueError("needs 'after' or 'before'")
        return self


class TimeCondition(_Strict):
    condition: Literal["time"]
    after: TimeOfDay | None = None
    before: TimeOfDay | None = None
    weekday: Weekdays | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> TimeCondition:
        if self.after is None and self.before is None and self.weekday is None:
            raise ValueError("needs 'after', 'before' or 'weekday'")
        return self


class TemplateCondition(_Strict):
    condition: Literal["template"]
    value_template: str


class LogicCondition(_Strict):
    condition: Literal["and", "or", "not"]
    conditions: list[AnyCondition] = Field(min_length=1)


CONDITION_KINDS = ("state", "numeric_state", "sun", "time", "template", "and", "or", "not")
AnyCondition = Annotated[
    StateCondition
    | NumericStateCondition
    | SunCondition
    | TimeCondition
    | TemplateCondition
    | LogicCondition,
    Field(discriminator="condition"),
]
LogicCondition.model_rebuild()


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entity_id: EntityIds | None = None
    device_id: str | list[str] | None = None
    area_id: str | list[str] | None = None
    floor_id: str | list[str] | None = None
    label_id: str | list[str] | None = None


class ServiceAction(_Strict):
    action: str
    target: Target | None = None
    data: dict[str, Any] | None = None
    continue_on_error: bool = False

    @model_validator(mode="after")
    def _known_service(self) -> ServiceAction:
        problems = service_problems(self.action, self.target, self.data or {})
        if problems:
            raise ValueError("; ".join(problems))
        return self


class DelayAction(_Strict):
    delay: Duration


def _action_tag(v: object) -> str:
    return "delay" if isinstance(v, dict) and "delay" in v else "call"


AnyAction = Annotated[
    Annotated[ServiceAction, Tag("call")] | Annotated[DelayAction, Tag("delay")],
    Discriminator(_action_tag),
]


class AutomationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    alias: str = Field(min_length=1)
    description: str | None = None
    mode: Literal["single", "restart", "queued", "parallel"] = "single"
    max: int | None = Field(default=None, ge=1)
    max_exceeded: str | None = None
    initial_state: bool | None = None
    variables: dict | None = None
    trace: dict | None = None
    triggers: list[AnyTrigger] = Field(min_length=1)
    conditions: list[AnyCondition] = Field(default_factory=list)
    actions: list[AnyAction] = Field(min_length=1)


def service_problems(service: str, target: Target | None, data: dict) -> list[str]:
    """What is wrong with calling `service` on `target` with `data` (empty when nothing)."""
    if not isinstance(service, str) or service.count(".") != 1:
        return [f"action must be 'domain.service', got {service!r}"]
    domain, name = service.split(".")
    if domain not in KNOWN_SERVICES:
        return [f"unknown domain {domain!r} in {service!r}"]
    if name not in KNOWN_SERVICES[domain]:
        return [f"{domain!r} has no service {name!r}"]
    problems = []
    ids = [] if target is None or target.entity_id is None else target.entity_id
    ids = [ids] if isinstance(ids, str) else ids
    has_target = bool(ids) or (
        target is not None and any((target.device_id, target.area_id, target.label_id))
    )
    if not has_target:
        problems.append(f"{service} needs a target")
    if domain not in CROSS_DOMAIN:
        wrong = [e for e in ids if e.split(".", 1)[0] != domain]
        if wrong:
            problems.append(f"{service} cannot act on {', '.join(wrong)} (other domain)")
    required = REQUIRED_DATA.get(service)
    if required and not any(k in data for k in required):
        problems.append(f"{service} needs data '{required[0]}'")
    mode = data.get("hvac_mode", "off") if service == "climate.set_hvac_mode" else "off"
    if mode not in HVAC_MODES:
        hint = f" ({BOOL_HINT})" if isinstance(mode, bool) else ""
        problems.append(f"unknown hvac_mode {mode!r}{hint}")
    for key, (lo, hi) in NUMERIC_DATA.items():
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"data.{key} must be a number, got {value!r}")
        elif not lo <= value <= hi:
            problems.append(f"data.{key} {value} out of range {lo:g}..{hi:g}")
    return problems
