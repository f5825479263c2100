"""Field values an automation may hold: entity ids, states, times, durations, numbers, weekdays.

Each checker raises a short message naming the mistake people actually make in YAML (an
unquoted `on` that became a boolean, an unquoted `19:30:00` that became a number), and the
`Annotated` types attach them to the schema's fields (`automation_schema`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

ENTITY_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
DURATION = re.compile(r"^[+-]?\d{1,3}:[0-5]\d(:[0-5]\d(\.\d+)?)?$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BOOL_HINT = "unquoted on/off/yes/no/true/false parse as booleans: quote it"


def _str_value(v: object) -> object:
    if isinstance(v, bool):
        raise ValueError(f"must be a string, got boolean {v} ({BOOL_HINT})")
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
