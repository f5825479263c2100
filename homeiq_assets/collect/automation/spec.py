"""The automation spec: what an automation does, as small frozen dataclasses, and its YAML.

Suggestions and Ask-AI answers are built as specs, not as text, so they are hashable and
comparable; `to_yaml` turns one into the Home Assistant 2024.10+ YAML a user would paste. The
emitter is deterministic (same spec, same bytes) so records stay reproducible, and it quotes
time-like strings because YAML 1.1 reads an unquoted `19:30:00` as a base-60 integer.
Checking that YAML is the validator's job (`automation_validate`), which does not reuse this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml


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
    """A whole automation, immutable so specs can be compared and used as keys."""

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
    """Home Assistant 2024.10+ YAML for `spec`; the same spec always gives the same bytes.

    Written by a block emitter for the few shapes a spec has (mappings, lists, scalars), with
    PyYAML's own choice of scalar style, so the bytes equal `pyyaml_yaml(spec)` (a test checks
    it) at a fraction of PyYAML's cost: suggestions and Ask-AI answers write thousands of these.
    """
    data = spec_to_dict(spec)
    lines: list[str] = []
    try:
        _emit_mapping(data, 0, "", lines)
    except _NotSimple:
        return pyyaml_yaml(spec)
    return "".join(lines)


def pyyaml_yaml(spec: AutomationSpec) -> str:
    """The same YAML through PyYAML's emitter (the reference `to_yaml` is checked against)."""
    return yaml.dump(
        spec_to_dict(spec),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1000,
    )


# ------------------------------------------------------------------- the block emitter
# A string is written plain when PyYAML would surely write it plain: it starts with a letter,
# holds only these characters, does not end in a space and does not read as a bool or null;
# anything else is rendered by PyYAML itself (as the value of a one-key mapping) and cached.
# After the first character PyYAML's block context also writes `: % ; ! ' ?` and printable
# non-ASCII (allow_unicode) plain, except a colon before a space or at the end (an indicator):
# descriptions ("Every day around 17:03, …") are too varied to cache.
_PLAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-,()/+")
_PLAIN_INNER = _PLAIN_CHARS | frozenset(":%;!'?…°")
_RESERVED_WORDS = frozenset(
    ("yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE")
    + ("on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", "null", "Null", "NULL")
)
_RENDERED: dict[tuple[type, object], str] = {}
_CACHE_LIMIT = 50_000


def _plain_shape(text: str) -> bool:
    """Short, starting with a letter, no trailing or double space, not a YAML bool or null."""
    return (
        0 < len(text) < 500
        and text[0].isascii()
        and text[0].isalpha()
        and text[-1] != " "
        and "  " not in text
        and text not in _RESERVED_WORDS
    )


def _simple_text(text: str) -> bool:
    """One line PyYAML writes plain or, where a colon is an indicator, single-quoted."""
    return _plain_shape(text) and _PLAIN_INNER.issuperset(text) and not _TIME_LIKE.fullmatch(text)


def _plain_ok(text: str) -> bool:
    if _PLAIN_CHARS.issuperset(text):
        return _plain_shape(text)
    return _simple_text(text) and ": " not in text and text[-1] != ":"


def _scalar(value: object) -> str:
    """One scalar as PyYAML writes it as a block mapping value."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is str:
        if _plain_ok(value):
            return value
        if _simple_text(value):  # a colon indicator inside: PyYAML single-quotes the line
            return "'" + value.replace("'", "''") + "'"
    key = (type(value), value)
    hit = _RENDERED.get(key)
    if hit is None:
        text = yaml.dump(
            {"k": value},
            Dumper=_Dumper,
            sort_keys=False,
            default_flow_style=False,
            allow_unicode=True,
            width=1000,
        )
        hit = text[3:-1]
        if not text.startswith("k: ") or "\n" in hit:
            raise _NotSimple(value)
        if len(_RENDERED) < _CACHE_LIMIT and (type(value) is not str or len(value) <= 64):
            _RENDERED[key] = hit
    return hit


class _NotSimple(ValueError):
    """A scalar PyYAML writes on several lines: the whole document goes through PyYAML."""


def _emit_value(key: str, value: object, indent: int, lead: str, lines: list[str]) -> None:
    if isinstance(value, dict):
        if not value:
            lines.append(f"{lead}{key}: {{}}\n")
            return
        lines.append(f"{lead}{key}:\n")
        _emit_mapping(value, indent + 2, " " * (indent + 2), lines)
    elif isinstance(value, list | tuple):
        if not value:
            lines.append(f"{lead}{key}: []\n")
            return
        lines.append(f"{lead}{key}:\n")
        pad = " " * (indent + 2)
        for item in value:
            if isinstance(item, dict) and item:
                _emit_mapping(item, indent + 4, pad + "- ", lines)
            elif isinstance(item, dict | list | tuple):
                raise _NotSimple(item)
            else:
                lines.append(f"{pad}- {_scalar(item)}\n")
    else:
        lines.append(f"{lead}{key}: {_scalar(value)}\n")


def _emit_mapping(mapping: dict, indent: int, first_lead: str, lines: list[str]) -> None:
    """Keys of `mapping` at column `indent`; the first line starts with `first_lead` (the
    indentation, or a sequence item's `- `)."""
    rest = " " * indent
    for i, (key, value) in enumerate(mapping.items()):
        if type(key) is not str or not _plain_ok(key):
            raise _NotSimple(key)
        _emit_value(key, value, indent, first_lead if i == 0 else rest, lines)
