"""Automation YAML: the builder emits what Home Assistant loads, and the validator catches each
kind of mistake on its own (it is not a mirror of the builder)."""

from __future__ import annotations

import pytest
import yaml

from homeiq_assets.collect.automation import (
    Action,
    AutomationSpec,
    Condition,
    Trigger,
    service_for,
    to_yaml,
    validate_automation_yaml,
)
from homeiq_assets.collect.automation.spec import pyyaml_yaml

IDS = frozenset(
    {
        "binary_sensor.hall_motion",
        "binary_sensor.bedroom_window",
        "sensor.bath_humidity",
        "light.hall",
        "light.kitchen",
        "fan.bath",
        "climate.living",
        "lock.front",
        "vacuum.robot",
        "media_player.tv",
        "cover.garage",
        "switch.coffee",
    }
)

SPECS = [
    AutomationSpec(
        "Motion light",
        "Hall light on motion after dark",
        (Trigger("state", "binary_sensor.hall_motion", to="on"),),
        (Condition("sun", after="sunset", before="sunrise"),),
        (Action("light.turn_on", ("light.hall",), (("brightness_pct", 80.0),)),),
    ),
    AutomationSpec(
        "Fan",
        "Humidity fan",
        (Trigger("numeric_state", "sensor.bath_humidity", above=70.0, for_s=120),),
        (),
        (
            service_for("fan.bath", "on"),
            Action("delay", delay_s=900),
            service_for("fan.bath", "off"),
        ),
        mode="restart",
    ),
    AutomationSpec(
        "Window",
        "Heating off while the window is open",
        (Trigger("state", "binary_sensor.bedroom_window", to="on", for_s=60),),
        (Condition("state", "climate.living", state="heat"),),
        (service_for("climate.living", "off"),),
    ),
    AutomationSpec(
        "Nightly lock",
        "",
        (Trigger("time", at="19:30:00"),),
        (Condition("time", weekday=("mon", "tue", "wed"), after="18:00:00"),),
        (service_for("lock.front", "locked"), service_for("cover.garage", "closed")),
    ),
    AutomationSpec(
        "Sun",
        "Lights before sunset",
        (Trigger("sun", event="sunset", offset_s=-1800),),
        (Condition("numeric_state", "sensor.bath_humidity", below=90.0),),
        (Action("light.turn_on", ("light.hall", "light.kitchen")),),
    ),
    AutomationSpec(
        "Eco",
        "Set back when locked",
        (Trigger("state", "lock.front", to="locked"),),
        (),
        (
            Action("climate.set_temperature", ("climate.living",), (("temperature", 16.5),)),
            service_for("vacuum.robot", "cleaning"),
            service_for("media_player.tv", "off"),
            service_for("switch.coffee", "off"),
        ),
    ),
]


def _check(text: str, ids: frozenset[str] = IDS):
    return validate_automation_yaml(text, ids)


@pytest.mark.parametrize("spec", SPECS, ids=[s.alias for s in SPECS])
def test_built_yaml_validates_and_round_trips(spec: AutomationSpec) -> None:
    text = to_yaml(spec)
    check = _check(text)
    assert check.valid, check.errors
    assert check.warnings == ()
    assert text == to_yaml(AutomationSpec(**spec.__dict__))  # same spec, same bytes
    data = yaml.safe_load(text)
    assert list(data)[:4] == ["alias", "description", "mode", "triggers"]
    assert len(data["triggers"]) == len(spec.triggers)
    assert len(data["actions"]) == len(spec.actions)


def test_yaml_keeps_on_off_and_times_as_strings() -> None:
    data = yaml.safe_load(to_yaml(SPECS[0]))
    assert data["triggers"][0]["to"] == "on"
    window = yaml.safe_load(to_yaml(SPECS[2]))
    assert window["triggers"][0]["for"] == "00:01:00"
    assert window["actions"][0]["data"]["hvac_mode"] == "off"
    lock = yaml.safe_load(to_yaml(SPECS[3]))
    assert lock["triggers"][0]["at"] == "19:30:00"  # not the base-60 number 70200
    assert lock["conditions"][0]["weekday"] == ["mon", "tue", "wed"]
    sun = yaml.safe_load(to_yaml(SPECS[4]))
    assert sun["triggers"][0]["offset"] == "-00:30:00"


def test_service_for() -> None:
    assert service_for("light.a", "on") == Action("light.turn_on", ("light.a",))
    assert service_for("switch.a", "off").service == "switch.turn_off"
    assert service_for("fan.a", "on").service == "fan.turn_on"
    assert service_for("input_boolean.a", "on").service == "input_boolean.turn_on"
    assert service_for("lock.a", "unlocked").service == "lock.unlock"
    assert service_for("cover.a", "open").service == "cover.open_cover"
    assert service_for("cover.a", "closed").service == "cover.close_cover"
    heat = service_for("climate.a", "heat")
    assert heat.service == "climate.set_hvac_mode" and heat.data == (("hvac_mode", "heat"),)
    assert service_for("vacuum.a", "cleaning").service == "vacuum.start"
    assert service_for("vacuum.a", "returning").service == "vacuum.return_to_base"
    assert service_for("media_player.a", "paused").service == "media_player.media_pause"
    assert service_for("media_player.a", "off").service == "media_player.turn_off"
    for entity, state in [("sensor.t", "21.5"), ("light.a", "unavailable"), ("climate.a", "x")]:
        assert service_for(entity, state) is None


BASE = """\
alias: Test
triggers:
  - trigger: state
    entity_id: binary_sensor.hall_motion
    to: "on"
actions:
  - action: light.turn_on
    target:
      entity_id: light.hall
"""


def test_base_document_is_valid() -> None:
    assert _check(BASE).valid


def _errors(text: str) -> str:
    check = _check(text)
    assert not check.valid
    return " | ".join(check.errors)


def test_malformed_yaml() -> None:
    check = _check("alias: [unclosed\ntriggers: {")
    assert (check.parses, check.schema_valid, check.entities_exist) == (False, False, False)
    assert check.errors[0].startswith("yaml:")
    assert not _check("- just\n- a list").schema_valid
    assert not _check("").schema_valid


def test_unquoted_on_is_caught() -> None:
    errors = _errors(BASE.replace('to: "on"', "to: on"))
    assert "triggers[0].to" in errors and "boolean" in errors


def test_unquoted_time_is_caught() -> None:
    text = BASE.replace(
        '  - trigger: state\n    entity_id: binary_sensor.hall_motion\n    to: "on"\n',
        "  - trigger: time\n    at: 19:30:00\n",
    )
    errors = _errors(text)
    assert "triggers[0].at" in errors and "number 70200" in errors


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("trigger: state", "trigger: teleport", "triggers[0]: unknown kind 'teleport'"),
        ("    entity_id: binary_sensor.hall_motion\n", "", "triggers[0].entity_id: required"),
        ('    to: "on"\n', '    to: "on"\n    colour: red\n', "triggers[0].colour: unknown"),
        ("entity_id: binary_sensor.hall_motion", "entity_id: Hall Motion", "not an entity id"),
        ("action: light.turn_on", "action: switch.turn_on", "cannot act on light.hall"),
        ("action: light.turn_on", "action: light.open_cover", "'light' has no service"),
        ("action: light.turn_on", "action: teleport.go", "unknown domain 'teleport'"),
        ("action: light.turn_on", "action: turn_on", "'domain.service'"),
        ("alias: Test\n", "", "alias: required"),
        ("alias: Test\n", "alias: Test\nmode: sometimes\n", "mode:"),
        ("alias: Test\n", "alias: Test\ncolour: red\n", "colour: unknown field"),
    ],
)
def test_schema_failures(old: str, new: str, expected: str) -> None:
    text = BASE.replace(old, new)
    assert text != BASE
    check = _check(text)
    assert check.parses and not check.schema_valid
    assert expected in " | ".join(check.errors)


def test_numeric_state_needs_a_bound_and_numbers() -> None:
    trigger = "  - trigger: numeric_state\n    entity_id: sensor.bath_humidity\n"
    text = (
        BASE.split("triggers:\n")[0]
        + "triggers:\n"
        + trigger
        + "actions:"
        + BASE.split("actions:")[1]
    )
    assert "needs 'above' or 'below'" in _errors(text)
    assert "must be a number" in _errors(text.replace("humidity\n", "humidity\n    above: high\n"))
    crossed = text.replace("humidity\n", "humidity\n    above: 80\n    below: 60\n")
    assert "must be less than" in _errors(crossed)
    assert _check(text.replace("humidity\n", "humidity\n    above: 70\n")).valid


def test_action_data_is_checked() -> None:
    climate = BASE.replace(
        "action: light.turn_on\n    target:\n      entity_id: light.hall\n",
        "action: climate.set_hvac_mode\n    target:\n      entity_id: climate.living\n"
        "    data:\n      hvac_mode: off\n",
    )
    assert "unknown hvac_mode False" in _errors(climate)  # unquoted off
    assert _check(climate.replace("hvac_mode: off", 'hvac_mode: "off"')).valid
    assert "needs data 'hvac_mode'" in _errors(
        climate.replace("    data:\n      hvac_mode: off\n", "")
    )
    temp = climate.replace("set_hvac_mode", "set_temperature").replace(
        "hvac_mode: off", "temperature: warm"
    )
    assert "data.temperature must be a number" in _errors(temp)
    assert "needs a target" in _errors(
        BASE.replace("    target:\n      entity_id: light.hall\n", "")
    )


def test_conditions_and_delays_are_checked() -> None:
    cond = BASE.replace(
        "actions:", "conditions:\n  - condition: time\n    weekday: monday\nactions:"
    )
    assert "conditions[0].weekday" in _errors(cond)
    sun = BASE.replace("actions:", "conditions:\n  - condition: sun\nactions:")
    assert "needs 'after' or 'before'" in _errors(sun)
    nested = BASE.replace(
        "actions:",
        "conditions:\n  - condition: or\n    conditions:\n      - condition: state\n"
        "        entity_id: light.hall\nactions:",
    )
    assert "conditions[0].conditions[0].state: required" in _errors(nested)
    delay = BASE + "  - delay: soon\n"
    assert "actions[1].delay" in _errors(delay)
    assert _check(BASE + '  - delay: "00:05:00"\n').valid
    assert "must not be empty" in _errors(BASE.split("actions:")[0] + "actions: []\n")


def test_unknown_entity_is_not_a_schema_error() -> None:
    check = _check(BASE.replace("light.hall", "light.attic"))
    assert check.parses and check.schema_valid and not check.entities_exist
    assert check.errors == ("unknown entity light.attic",)
    cond = BASE.replace(
        "actions:",
        "conditions:\n  - condition: state\n    entity_id: lock.back\n    state: locked\nactions:",
    )
    assert _check(cond).errors == ("unknown entity lock.back",)


def test_legacy_syntax_is_accepted_with_a_warning() -> None:
    legacy = """\
alias: Old style
trigger:
  platform: state
  entity_id: binary_sensor.hall_motion
  to: "on"
action:
  - service: light.turn_on
    target:
      entity_id: light.hall
"""
    check = _check(legacy)
    assert check.valid, check.errors
    assert any("legacy syntax" in w for w in check.warnings)
    assert any("single mapping" in w for w in check.warnings)
    mixed = BASE + "trigger:\n  - trigger: time\n    at: '07:00:00'\n"
    assert "both 'trigger' and 'triggers'" in _errors(mixed)


TRICKY_TEXT = [
    "Lights on: hall",  # a colon PyYAML must quote
    "on",  # a YAML 1.1 bool
    "y",
    "null",
    "Kitchen #2",
    "'quoted'",
    "ends with space ",
    "two  spaces",
    "Café lights",
    "- dash first",
    "12",
    "1e3",
    "",
    "x" * 600,
    # written plain after the first character (the fast path), except before a space or at the end
    "Every day around 17:03, play the radio",
    "Dim to 40% at night; don't wake anyone!",
    "Cold? Heat to 21°C…",
    "Lights on:hall",
    "Ends with a colon:",
    "Note: 12:30",
    "A#1 ?x !y 'z'",
    "It's on: the hall's light (98% of days)",
]


@pytest.mark.parametrize("text", TRICKY_TEXT)
def test_fast_emitter_writes_pyyaml_bytes(text: str) -> None:
    """The block emitter behind `to_yaml` writes exactly what PyYAML writes, whatever the
    strings in a spec, so records and exports keep their bytes."""
    base = SPECS[3]
    odd = Action("climate.set_temperature", ("climate.living",), ((text or "k", text), ("on", 1)))
    for spec in (
        AutomationSpec(**{**base.__dict__, "alias": text, "description": text}),
        AutomationSpec(**{**base.__dict__, "actions": (*base.actions, odd)}),
    ):
        assert to_yaml(spec) == pyyaml_yaml(spec)


@pytest.mark.parametrize("spec", SPECS, ids=[s.alias for s in SPECS])
def test_fast_emitter_matches_pyyaml_on_every_spec_shape(spec: AutomationSpec) -> None:
    assert to_yaml(spec) == pyyaml_yaml(spec)
