"""Home Assistant automations: a small spec, its YAML, and an independent validator.

Suggestions and Ask-AI answers are judged partly on whether the YAML they produce would load in
Home Assistant, so the validator does not reuse the builder: it parses the text with
`yaml.safe_load` and checks the result against pydantic models of the 2024.10+ automation
schema (triggers, conditions, actions), a table of services per domain, and the home's entity
registry. Errors are short strings (`path: problem`) a person can act on.

Legacy syntax (top-level `trigger`/`condition`/`action`, `platform:` in a trigger, `service:`
in an action, a single mapping instead of a list) still loads in Home Assistant, so it is
accepted and reported in `warnings`, not in `errors`; only mixing both spellings of one key is
an error, because Home Assistant refuses that too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

# --------------------------------------------------------------------------------------------
# The spec


@dataclass(frozen=True)
class Trigger:
    """One trigger: `state`, `numeric_state`, `time` or `sun`."""

    kind: str
    entity_id: str | None = None
    to: str | None = None
    above: float | None = None
    below: float | None = None
    at: str | None = None  # "HH:MM:SS"
    event: str | None = None  # "sunset" | "sunrise"
    offset_s: int | None = None
    for_s: int | None = None


@dataclass(frozen=True)
class Condition:
    """One condition: `state`, `sun`, `time` or `numeric_state`."""

    kind: str
    entity_id: str | None = None
    state: str | None = None
    after: str | None = None  # sun: "sunset"/"sunrise"; time: "HH:MM:SS"
    before: str | None = None
    above: float | None = None
    below: float | None = None
    weekday: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Action:
    """A service call (`domain.service` on target entities) or a `delay`."""

    service: str
    entity_ids: tuple[str, ...] = ()
    data: tuple[tuple[str, object], ...] = ()  # a tuple so the spec stays hashable
    delay_s: int | None = None


@dataclass(frozen=True)
class AutomationSpec:
    alias: str
    description: str
    triggers: tuple[Trigger, ...]
    conditions: tuple[Condition, ...] = ()
    actions: tuple[Action, ...] = ()
    mode: str = "single"


# --------------------------------------------------------------------------------------------
# Emitting YAML


def _hms(seconds: int) -> str:
    sign = "-" if seconds < 0 else ""
    s = abs(int(seconds))
    return f"{sign}{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _num(value: float) -> float | int:
    """Whole numbers as ints (`above: 70`, not `70.0`): same value, easier to read."""
    value = float(value)
    return int(value) if value.is_integer() else value


def _put(out: dict, key: str, value: object) -> None:
    if value is not None:
        out[key] = value


def _trigger_dict(t: Trigger) -> dict:
    out: dict[str, Any] = {"trigger": t.kind}
    _put(out, "entity_id", t.entity_id)
    _put(out, "to", t.to)
    _put(out, "above", None if t.above is None else _num(t.above))
    _put(out, "below", None if t.below is None else _num(t.below))
    _put(out, "at", t.at)
    _put(out, "event", t.event)
    _put(out, "offset", None if t.offset_s is None else _hms(t.offset_s))
    _put(out, "for", None if t.for_s is None else _hms(t.for_s))
    return out


def _condition_dict(c: Condition) -> dict:
    out: dict[str, Any] = {"condition": c.kind}
    _put(out, "entity_id", c.entity_id)
    _put(out, "state", c.state)
    _put(out, "above", None if c.above is None else _num(c.above))
    _put(out, "below", None if c.below is None else _num(c.below))
    _put(out, "after", c.after)
    _put(out, "before", c.before)
    _put(out, "weekday", None if c.weekday is None else list(c.weekday))
    return out


def _action_dict(a: Action) -> dict:
    if a.service == "delay":
        return {"delay": _hms(a.delay_s or 0)}
    out: dict[str, Any] = {"action": a.service}
    if a.entity_ids:
        ids = list(a.entity_ids)
        out["target"] = {"entity_id": ids[0] if len(ids) == 1 else ids}
    if a.data:
        out["data"] = {k: _num(v) if isinstance(v, float) else v for k, v in a.data}
    return out


def spec_to_dict(spec: AutomationSpec) -> dict:
    """The automation as Home Assistant's YAML structure (plain dicts and lists)."""
    out: dict[str, Any] = {"alias": spec.alias, "description": spec.description}
    out["mode"] = spec.mode
    out["triggers"] = [_trigger_dict(t) for t in spec.triggers]
    if spec.conditions:
        out["conditions"] = [_condition_dict(c) for c in spec.conditions]
    out["actions"] = [_action_dict(a) for a in spec.actions]
    return out


_TIME_LIKE = re.compile(r"[+-]?\d{1,2}:\d{2}(:\d{2})?")


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key (Home Assistant's style) and quotes times."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # "19:30:00" unquoted is a base-60 integer in YAML 1.1; quote every time-like string
    style = '"' if _TIME_LIKE.fullmatch(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def to_yaml(spec: AutomationSpec) -> str:
    """Home Assistant 2024.10+ YAML for `spec`; the same spec always gives the same bytes."""
    return yaml.dump(
        spec_to_dict(spec),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1000,
    )


# --------------------------------------------------------------------------------------------
# Services

HVAC_MODES = ("off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only")

_ON_OFF = {"on": "turn_on", "off": "turn_off"}
_STATE_SERVICES: dict[str, dict[str, str]] = {
    "light": _ON_OFF,
    "switch": _ON_OFF,
    "fan": _ON_OFF,
    "input_boolean": _ON_OFF,
    "siren": _ON_OFF,
    "lock": {"locked": "lock", "unlocked": "unlock", "open": "open"},
    "cover": {"open": "open_cover", "closed": "close_cover"},
    "vacuum": {
        "cleaning": "start",
        "docked": "return_to_base",
        "returning": "return_to_base",
        "paused": "pause",
        "idle": "stop",
    },
    "media_player": {
        "playing": "media_play",
        "paused": "media_pause",
        "idle": "media_stop",
        "off": "turn_off",
        "on": "turn_on",
    },
}


def service_for(entity_id: str, to_state: str) -> Action | None:
    """The service call that brings `entity_id` to `to_state`, or None when none can."""
    domain = entity_id.split(".", 1)[0]
    if domain == "climate":
        if to_state not in HVAC_MODES:
            return None
        return Action("climate.set_hvac_mode", (entity_id,), (("hvac_mode", to_state),))
    service = _STATE_SERVICES.get(domain, {}).get(to_state)
    return Action(f"{domain}.{service}", (entity_id,)) if service else None


def _names(*words: str) -> frozenset[str]:
    return frozenset(" ".join(words).split())


_TOGGLE = _names("turn_on turn_off toggle")
KNOWN_SERVICES: dict[str, frozenset[str]] = {
    "light": _TOGGLE,
    "switch": _TOGGLE,
    "input_boolean": _TOGGLE,
    "siren": _TOGGLE,
    "script": _TOGGLE,
    "scene": _names("turn_on"),
    "fan": _TOGGLE | _names("set_percentage oscillate set_preset_mode increase_speed"),
    "lock": _names("lock unlock open"),
    "cover": _names("open_cover close_cover stop_cover toggle set_cover_position"),
    "climate": _TOGGLE
    | _names("set_hvac_mode set_temperature set_preset_mode set_fan_mode set_humidity"),
    "vacuum": _names("start pause stop return_to_base clean_spot locate send_command"),
    "media_player": _TOGGLE
    | _names(
        "media_play media_pause media_stop media_play_pause media_next_track",
        "media_previous_track volume_set volume_mute play_media select_source",
    ),
    "homeassistant": _TOGGLE | {"update_entity"},  # acts on entities of any domain
}
CROSS_DOMAIN = frozenset({"homeassistant"})
# data keys a service cannot do without (any one of each tuple), and numeric ranges
REQUIRED_DATA: dict[str, tuple[str, ...]] = {
    "climate.set_hvac_mode": ("hvac_mode",),
    "climate.set_temperature": ("temperature", "target_temp_low", "target_temp_high"),
    "climate.set_preset_mode": ("preset_mode",),
    "cover.set_cover_position": ("position",),
    "fan.set_percentage": ("percentage",),
    "media_player.volume_set": ("volume_level",),
}
NUMERIC_DATA: dict[str, tuple[float, float]] = {
    "temperature": (-50.0, 100.0),
    "target_temp_low": (-50.0, 100.0),
    "target_temp_high": (-50.0, 100.0),
    "brightness_pct": (0.0, 100.0),
    "brightness": (0.0, 255.0),
    "position": (0.0, 100.0),
    "percentage": (0.0, 100.0),
    "volume_level": (0.0, 1.0),
    "transition": (0.0, 3600.0),
}

# --------------------------------------------------------------------------------------------
# Schema (pydantic models of what Home Assistant accepts)

ENTITY_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
DURATION = re.compile(r"^[+-]?\d{1,3}:[0-5]\d(:[0-5]\d(\.\d+)?)?$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_BOOL_HINT = "unquoted on/off/yes/no/true/false parse as booleans: quote it"


def _str_value(v: object) -> object:
    if isinstance(v, bool):
        raise ValueError(f"must be a string, got boolean {v} ({_BOOL_HINT})")
    if isinstance(v, int | float):
        raise ValueError(f"must be a quoted string, got number {v}")
    return v


def _states(v: object) -> object:
    for item in v if isinstance(v, list) else [v]:
        _str_value(item)
    return v


def _entity_ids(v: object) -> object:
    items = v if isinstance(v, list) else [v]
    if not items:
        raise ValueError("needs at least one entity id")
    for item in items:
        if not isinstance(item, str) or not ENTITY_ID.match(item):
            raise ValueError(f"not an entity id: {item!r}")
    return v


def _time_of_day(v: object) -> object:
    if isinstance(v, int) and not isinstance(v, bool):
        raise ValueError(
            f"must be a quoted 'HH:MM:SS' time, got number {v} "
            "(unquoted 19:30:00 is a base-60 number in YAML)"
        )
    if not isinstance(v, str):
        raise ValueError(f"must be a quoted 'HH:MM:SS' time, got {type(v).__name__}")
    if not (TIME_OF_DAY.match(v) or ENTITY_ID.match(v)):
        raise ValueError(f"not a time of day: {v!r}")
    return v


def _times_of_day(v: object) -> object:
    return [_time_of_day(x) for x in v] if isinstance(v, list) else _time_of_day(v)


def _duration(v: object) -> object:
    if isinstance(v, bool):
        raise ValueError("must be a duration, got boolean")
    if isinstance(v, int | float):
        if v < 0:
            raise ValueError(f"negative duration {v}")
        return v
    if isinstance(v, dict):
        unknown = set(v) - {"days", "hours", "minutes", "seconds", "milliseconds"}
        if unknown or not all(isinstance(x, int | float) for x in v.values()):
            raise ValueError(f"not a duration mapping: {v!r}")
        return v
    if isinstance(v, str) and DURATION.match(v) and not v.startswith("-"):
        return v
    raise ValueError(f"not a duration ('HH:MM:SS'): {v!r}")


def _offset(v: object) -> object:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return v
    if isinstance(v, str) and DURATION.match(v):
        return v
    raise ValueError(f"not an offset ('-HH:MM:SS'): {v!r}")


def _number(v: object) -> object:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"must be a number, got {v!r}")
    return v


def _number_or_entity(v: object) -> object:
    if isinstance(v, str) and ENTITY_ID.match(v):
        return v  # Home Assistant compares against another entity's state
    return _number(v)


def _weekdays(v: object) -> object:
    items = v if isinstance(v, list) else [v]
    bad = [d for d in items if d not in WEEKDAYS]
    if bad or not items:
        raise ValueError(f"weekday must be among {', '.join(WEEKDAYS)}, got {bad or items}")
    return v


EntityIds = Annotated[str | list[str], BeforeValidator(_entity_ids)]
States = Annotated[str | list[str], BeforeValidator(_states)]
TimeOfDay = Annotated[str, BeforeValidator(_time_of_day)]
TimesOfDay = Annotated[Any, BeforeValidator(_times_of_day)]
Duration = Annotated[Any, BeforeValidator(_duration)]
Offset = Annotated[Any, BeforeValidator(_offset)]
NumberOrEntity = Annotated[float | str, BeforeValidator(_number_or_entity)]
Weekdays = Annotated[str | list[str], BeforeValidator(_weekdays)]


class _Strict(BaseModel):
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
        hint = f" ({_BOOL_HINT})" if isinstance(mode, bool) else ""
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


# --------------------------------------------------------------------------------------------
# Validation


@dataclass(frozen=True)
class YamlValidation:
    parses: bool
    schema_valid: bool
    entities_exist: bool
    errors: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.parses and self.schema_valid and self.entities_exist


_LEGACY_KEYS = (("trigger", "triggers"), ("condition", "conditions"), ("action", "actions"))
_TAGS = frozenset((*TRIGGER_KINDS, *CONDITION_KINDS, "call", "delay"))


def _normalise(data: dict) -> tuple[dict, list[str], list[str]]:
    """Legacy spellings mapped to the current ones: (config, warnings, errors)."""
    data, warnings, errors = dict(data), [], []
    for old, new in _LEGACY_KEYS:
        if old in data and new in data:
            errors.append(f"{old}: both '{old}' and '{new}' given")
            continue
        if old in data:
            warnings.append(f"{old}: legacy syntax (use '{new}')")
            data[new] = data.pop(old)
        if isinstance(data.get(new), dict):
            warnings.append(f"{new}: a single mapping (use a list)")
            data[new] = [data[new]]
    for key, old, new in (("triggers", "platform", "trigger"), ("actions", "service", "action")):
        items = data.get(key)
        if not isinstance(items, list):
            continue
        fixed = []
        for i, item in enumerate(items):
            if isinstance(item, dict) and old in item:
                if new in item:
                    errors.append(f"{key}[{i}]: both '{old}' and '{new}' given")
                else:
                    warnings.append(f"{key}[{i}].{old}: legacy syntax (use '{new}')")
                    item = {(new if k == old else k): v for k, v in item.items()}
            fixed.append(item)
        data[key] = fixed
    return data, warnings, errors


def _path(loc: tuple) -> str:
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i > 0 and isinstance(loc[i - 1], int) and part in _TAGS:
            continue  # the union member pydantic tried, not a field
        elif part in ("function-after", "function-before") or str(part).startswith("function-"):
            continue
        else:
            out += ("." if out else "") + str(part).rstrip("_")
    return out or "automation"


def _message(err: dict) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "missing":
        return "required field missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag")
        return f"unknown kind {tag!r}"
    if kind == "union_tag_not_found":
        key = {"triggers": "trigger", "conditions": "condition"}.get(str(err["loc"][0]), "kind")
        return f"missing '{key}:'"
    if kind == "literal_error":
        return f"{msg.lower()}, got {err.get('input')!r}"
    if kind == "too_short":
        return "must not be empty"
    return msg.removeprefix("Value error, ")


def _collect_entities(node: object, out: set[str]) -> None:
    """Every value of an `entity_id` key anywhere in the config."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "entity_id":
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, str):
                        out.add(v)
            else:
                _collect_entities(value, out)
    elif isinstance(node, list):
        for item in node:
            _collect_entities(item, out)


def validate_automation_yaml(text: str, entity_ids: set[str] | frozenset[str]) -> YamlValidation:
    """Does `text` parse, meet the automation schema, and name only entities of this home?"""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        return YamlValidation(False, False, False, (f"yaml: {problem}{line}",))
    if not isinstance(data, dict):
        got = type(data).__name__ if data is not None else "nothing"
        return YamlValidation(True, False, False, (f"automation: expected a mapping, got {got}",))
    config, warnings, errors = _normalise(data)
    try:
        AutomationConfig.model_validate(config)
    except ValidationError as exc:
        errors += [f"{_path(e['loc'])}: {_message(e)}" for e in exc.errors()]
    referenced: set[str] = set()
    _collect_entities(config, referenced)
    missing = sorted(referenced - set(entity_ids))
    return YamlValidation(
        parses=True,
        schema_valid=not errors,
        entities_exist=not missing,
        errors=(*errors, *(f"unknown entity {e}" for e in missing)),
        warnings=tuple(warnings),
    )
