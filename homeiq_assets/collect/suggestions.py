"""Suggestion generation: an automation proposal, in words and in Home Assistant YAML, for every
strong pattern the home does not already automate and every synergy candidate the rule baseline
would link (candidates are never already automated).

The text names the devices as the user knows them (friendly names, areas) and carries the
evidence (how often, how soon), so two suggestions are rarely worded alike. The YAML is validated
independently (parses, schema, every entity exists in this home) and the result is recorded;
invalid YAML is kept and flagged so the quality filter can count it.
"""

from __future__ import annotations

from homeiq_assets.collect.automation import (
    Action,
    AutomationSpec,
    Condition,
    Trigger,
    service_for,
    to_yaml,
    validate_automation_yaml,
)
from homeiq_assets.collect.observations import HomeObservations
from homeiq_assets.collect.patterns import motion_entities

GENERATOR_VERSION = "suggestions-2"

STATE_WORDS = {
    "on": "turns on",
    "off": "turns off",
    "locked": "is locked",
    "unlocked": "is unlocked",
    "open": "opens",
    "closed": "closes",
    "cleaning": "starts cleaning",
    "playing": "starts playing",
    "heat": "switches to heating",
}
ACTION_WORDS = {
    "on": "turn on",
    "off": "turn off",
    "locked": "lock",
    "unlocked": "unlock",
    "open": "open",
    "closed": "close",
    "cleaning": "start",
    "docked": "dock",
    "playing": "play",
    "paused": "pause",
    "idle": "stop",
}


def _name(names: dict[str, str], entity_id: str) -> str:
    return names.get(entity_id) or entity_id.split(".", 1)[1].replace("_", " ")


def _hhmm(hours: float) -> str:
    minutes = int(round(hours * 60)) % 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _rhythm_spec(
    p: dict, action: Action, verb: str, target: str, motion: list[str]
) -> tuple[AutomationSpec, str] | None:
    """After the house falls quiet (every motion sensor off for a while, in the evening) or
    wakes (first motion in the morning), wait the usual lag, then act."""
    if not motion:
        return None
    lag = max(int(round(p["lag_s_median"])), 1)
    if p["trigger_kind"] == "house_asleep":
        quiet_s = min(lag, 900)
        triggers = tuple(
            Trigger(kind="state", entity_id=m, to="off", for_s=quiet_s) for m in motion
        )
        conditions = (
            Condition(kind="time", after="19:00:00", before="03:00:00"),
            *(Condition(kind="state", entity_id=m, state="off") for m in motion),
        )
        actions = (
            (Action(service="delay", delay_s=lag - quiet_s), action) if lag > quiet_s else (action,)
        )
        when = "once everyone has gone to bed"
    else:
        triggers = tuple(Trigger(kind="state", entity_id=m, to="on") for m in motion)
        conditions = (Condition(kind="time", after="04:00:00", before="11:00:00"),)
        actions = (Action(service="delay", delay_s=lag), action)
        when = "when the first person is up in the morning"
    text = (
        f"{when.capitalize()}, {verb} {target} about {lag // 60} min later "
        f"(seen on {p['occurrences']} nights, around {_hhmm(p['time_local_h'])})."
    )
    spec = AutomationSpec(
        alias=f"{verb.capitalize()} {target} {when}",
        description=text,
        triggers=triggers,
        conditions=conditions,
        actions=actions,
        mode="single",
    )
    return spec, text


def _pattern_spec(
    p: dict, names: dict[str, str], motion: list[str]
) -> tuple[AutomationSpec, str] | None:
    action = service_for(p["action_entity_id"], p["action_state"])
    if action is None:
        return None
    target = _name(names, p["action_entity_id"])
    verb = ACTION_WORDS.get(p["action_state"], f"set to {p['action_state']}")
    if p["pattern_type"] == "daily_rhythm":
        return _rhythm_spec(p, action, verb, target, motion)
    if p["pattern_type"] == "time_of_day":
        at = _hhmm(p["time_local_h"])
        trigger = Trigger(kind="time", at=f"{at}:00")
        text = (
            f"Every day around {at}, {verb} {target}: it happened on "
            f"{p['occurrences']} days ({p['support']:.0%} of days)."
        )
    else:
        source = _name(names, p["trigger_entity_id"])
        if p["trigger_kind"].startswith("numeric_"):
            direction, value = p["trigger_state"].split(" ", 1)
            trigger = Trigger(
                kind="numeric_state",
                entity_id=p["trigger_entity_id"],
                above=float(value) if direction == "above" else None,
                below=float(value) if direction == "below" else None,
            )
            when = f"{source} goes {direction} {value}"
        else:
            trigger = Trigger(kind="state", entity_id=p["trigger_entity_id"], to=p["trigger_state"])
            when = (
                f"{source} {STATE_WORDS.get(p['trigger_state'], 'becomes ' + p['trigger_state'])}"
            )
        text = (
            f"When {when}, {verb} {target}; seen {p['occurrences']} times, typically "
            f"{p['lag_s_median']:.0f} s later."
        )
    alias = f"{verb.capitalize()} {target}"
    spec = AutomationSpec(
        alias=alias,
        description=text,
        triggers=(trigger,),
        actions=(action,),
    )
    return spec, text


def _synergy_spec(
    s: dict, names: dict[str, str], motion: list[str]
) -> tuple[AutomationSpec, str] | None:
    trigger_name, action_name = (
        _name(names, s["trigger_entity_id"]),
        _name(names, s["action_entity_id"]),
    )
    conditions: tuple[Condition, ...] = ()
    rel = s["relationship"]
    if rel in ("motion_light", "door_light"):
        trigger = Trigger(kind="state", entity_id=s["trigger_entity_id"], to="on")
        action = service_for(s["action_entity_id"], "on")
        conditions = (Condition(kind="sun", after="sunset", before="sunrise"),)
        what = f"turn on {action_name} when {trigger_name} detects activity after dark"
    elif rel == "humidity_fan":
        trigger = Trigger(kind="numeric_state", entity_id=s["trigger_entity_id"], above=70.0)
        action = service_for(s["action_entity_id"], "on")
        what = f"run {action_name} when {trigger_name} rises above 70 %"
    elif rel == "window_climate":
        trigger = Trigger(kind="state", entity_id=s["trigger_entity_id"], to="on", for_s=60)
        action = service_for(s["action_entity_id"], "off")
        what = f"switch {action_name} off while {trigger_name} is open"
    else:  # presence_climate
        trigger = Trigger(kind="state", entity_id=s["trigger_entity_id"], to="locked")
        action = Action(
            service="climate.set_temperature",
            entity_ids=(s["action_entity_id"],),
            data=(("temperature", 16.0),),
        )
        what = f"set {action_name} to eco when {trigger_name} is locked"
    if action is None:
        return None
    text = (
        f"Link {trigger_name} and {action_name}: {what} "
        f"({s['coverage_120s']:.0%} of its switches already follow within two minutes)."
    )
    spec = AutomationSpec(
        alias=what[0].upper() + what[1:],
        description=text,
        triggers=(trigger,),
        conditions=conditions,
        actions=(action,),
    )
    return spec, text


# the records a suggestion can come from, by stage: those whose field of this name is true
# (`generate_suggestions` and `label_suggestions` read no others)
SUGGESTION_SOURCES = {"patterns": "strong", "synergies": "rule_linked"}


def generate_suggestions(
    obs: HomeObservations, patterns: list[dict], synergies: list[dict]
) -> list[dict]:
    """One suggestion per strong pattern (not already automated) and per rule-linked synergy."""
    names = dict(zip(obs.entities["entity_id"], obs.entities["friendly_name"], strict=True))
    entity_ids = frozenset(obs.entities["entity_id"])
    motion = motion_entities(obs)
    out: list[dict] = []
    sources = [
        ("pattern", p["pattern_id"], p, _pattern_spec)
        for p in patterns
        if p["strong"] and not p.get("automated", False)
    ]
    sources += [("synergy", s["pair_id"], s, _synergy_spec) for s in synergies if s["rule_linked"]]
    for source, source_id, rec, build in sources:
        built = build(rec, names, motion)
        if built is None:
            continue
        spec, text = built
        yaml_text = to_yaml(spec)
        check = validate_automation_yaml(yaml_text, entity_ids)
        confidence = (
            min(1.0, rec["coverage"] * rec["regularity"] + 0.2)
            if source == "pattern"
            else rec["coverage_120s"]
        )
        out.append(
            {
                "suggestion_id": f"{source_id}.sg",
                "home_id": obs.home_id,
                "source": source,
                "source_id": source_id,
                "text": text,
                "yaml": yaml_text,
                "confidence": round(float(confidence), 4),
                "yaml_parses": check.parses,
                "yaml_schema_valid": check.schema_valid,
                "yaml_entities_exist": check.entities_exist,
                "yaml_valid": check.valid,
                "yaml_errors": list(check.errors),
            }
        )
    return out


def label_suggestions(suggestions: list[dict], patterns: list[dict], synergies: list[dict]) -> None:
    """A suggestion automates a household habit when its source pattern is real or its source
    pair is linked by a habit (labels set by the labeller on the sources)."""
    by_id = {p["pattern_id"]: (p["gt_real"], p["gt_habit_id"]) for p in patterns}
    by_id |= {s["pair_id"]: (s["gt_linked"], s["gt_habit_id"]) for s in synergies}
    for sg in suggestions:
        real, hid = by_id[sg["source_id"]]
        sg["gt_matches_habit"] = bool(real)
        sg["gt_habit_id"] = hid if real else None
