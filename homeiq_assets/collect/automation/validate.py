"""Validating automation YAML: does it parse, meet the schema, and name this home's entities?

Suggestions and Ask-AI answers are judged partly on whether their YAML would load in Home
Assistant, so the validator does not reuse the builder: it parses the text with
`yaml.safe_load` and checks the result against the schema (`automation_schema`) and the home's
entity registry. Errors are short strings (`path: problem`) a person can act on.

Legacy syntax (top-level `trigger`/`condition`/`action`, `platform:` in a trigger, `service:`
in an action, a single mapping instead of a list) still loads in Home Assistant, so it is
accepted and reported in `warnings`, not in `errors`; only mixing both spellings of one key is
an error, because Home Assistant refuses that too.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from pydantic import ValidationError

from homeiq_assets.collect.automation.schema import (
    CONDITION_KINDS,
    TRIGGER_KINDS,
    AutomationConfig,
)


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


def load_yaml(text: str) -> object:
    """`yaml.safe_load` through libyaml's parser when PyYAML has it (same constructor, so the
    same objects, about ten times faster); a document libyaml refuses is parsed again by
    PyYAML's own parser, so errors read the same with or without libyaml."""
    if _CSafeLoader is not None:
        try:
            return yaml.load(text, Loader=_CSafeLoader)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


_CSafeLoader = getattr(yaml, "CSafeLoader", None)


def validate_automation_yaml(text: str, entity_ids: set[str] | frozenset[str]) -> YamlValidation:
    """Does `text` parse, meet the automation schema, and name only entities of this home?"""
    try:
        data = load_yaml(text)
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
