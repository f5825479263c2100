"""What the simulated user means: intents drawn from the home's layout, with exact entities.

Each intent picks devices that suit it (a motion sensor and a light in the same area, a lock
and a thermostat, ...) and returns the request body together with the automation meant. That
automation is ground truth: it goes into `gt_intended_yaml` for the labeller and is never
shown to the resolver. An intent the home cannot offer returns None.
"""

from __future__ import annotations

from homeiq_assets.collect.ask_ai.clock import DARK, WEEKDAYS, WEEKEND, hhmmss
from homeiq_assets.collect.ask_ai.phrasing import DARK_PHRASES, Speaker, Thing
from homeiq_assets.collect.automation.services import service_for
from homeiq_assets.collect.automation.spec import Action, AutomationSpec, Condition, Trigger

Draft = tuple[str, AutomationSpec]  # (request body, intended automation)

ROLES: dict[str, tuple[str, str | None, tuple[str, ...] | None]] = {
    # role: (domain, device class, device types); None matches any
    "light": ("light", None, None),
    "indoor_light": ("light", None, ("ceiling_light", "lamp")),
    "outdoor_light": ("light", None, ("outdoor_light",)),
    "motion": ("binary_sensor", "motion", None),
    "door": ("binary_sensor", "door", None),
    "window": ("binary_sensor", "window", None),
    "humidity": ("sensor", "humidity", ("climate_sensor",)),
    "temperature": ("sensor", "temperature", ("climate_sensor",)),
    "fan": ("fan", None, None),
    "thermostat": ("climate", None, None),
    "lock": ("lock", None, None),
    "vacuum": ("vacuum", None, None),
    "coffee": ("switch", None, ("coffee_plug",)),
    "irrigation": ("switch", None, ("irrigation",)),
    "media": ("media_player", None, None),
    "garage": ("cover", None, None),
}


def _role(things: list[Thing], role: str) -> list[Thing]:
    domain, dc, types = ROLES[role]
    return [
        t
        for t in things
        if t.domain == domain
        and (dc is None or t.device_class == dc)
        and (types is None or t.device_type in types)
    ]


def _pairs(things: list[Thing], a: str, b: str) -> list[tuple[Thing, Thing]]:
    """Devices of roles `a` and `b` in the same area (automations people ask for)."""
    return [(x, y) for x in _role(things, a) for y in _role(things, b) if x.area_id == y.area_id]


def _spec(alias: str, trigger: Trigger, conditions: tuple, action: Action) -> AutomationSpec:
    return AutomationSpec(alias, "Requested through Ask AI", (trigger,), conditions, (action,))


def _to(t: Thing, state: str = "on") -> Action:
    action = service_for(t.entity_id, state)
    if action is None:
        raise ValueError(f"no service brings {t.entity_id} to {state!r}")
    return action


def _at(sp: Speaker, hours: tuple[int, ...]) -> tuple[int, int, Trigger]:
    h, m = sp.pick(hours), sp.pick((0, 0, 15, 30, 30, 45, 10, 20))
    return h, m, Trigger("time", at=hhmmss(h, m))


def _i_motion_light(things: list[Thing], sp: Speaker) -> Draft | None:
    pairs = _pairs(things, "motion", "light")
    if not pairs:
        return None
    motion, light = sp.pick(pairs)
    dark = sp.rng.random() < 0.5
    _, text = sp.fill(
        "motion_light",
        motion.area_id,
        light=light,
        motion=motion,
        dark=sp.pick(DARK_PHRASES) if dark else "",
    )
    trig = Trigger("state", motion.entity_id, to="on")
    return text, _spec("Motion light", trig, (DARK,) if dark else (), _to(light))


def _i_door_light(things: list[Thing], sp: Speaker) -> Draft | None:
    pairs = _pairs(things, "door", "indoor_light") or [
        (d, li)
        for d in _role(things, "door")
        for li in _role(things, "indoor_light")
        if li.area_kind in ("entrance", "hallway")
    ]
    if not pairs:
        return None
    door, light = sp.pick(pairs)
    _, text = sp.fill("door_light", door.area_id, door=door, light=light)
    trig = Trigger("state", door.entity_id, to="on")
    return text, _spec("Door light", trig, (DARK,), _to(light))


def _i_humidity_fan(things: list[Thing], sp: Speaker) -> Draft | None:
    pairs = _pairs(things, "humidity", "fan")
    if not pairs:
        return None
    hum, fan = sp.pick(pairs)
    n = sp.pick((60, 65, 70, 75, 80))
    _, text = sp.fill("humidity_fan", hum.area_id, fan=fan, hum=hum, n=n)
    trig = Trigger("numeric_state", hum.entity_id, above=float(n))
    return text, _spec("Humidity fan", trig, (), _to(fan))


def _i_window_heating_off(things: list[Thing], sp: Speaker) -> Draft | None:
    windows, thermostats = _role(things, "window"), _role(things, "thermostat")
    if not windows or not thermostats:
        return None
    window, thermo, mins = sp.pick(windows), sp.pick(thermostats), sp.pick((2, 5, 10))
    tpl, text = sp.fill("window_heating_off", None, window=window, thermo=thermo, mins=mins)
    for_s = mins * 60 if "{mins}" in tpl else None
    trig = Trigger("state", window.entity_id, to="on", for_s=for_s)
    return text, _spec("Window heating off", trig, (), _to(thermo, "off"))


def _i_lock_thermostat(things: list[Thing], sp: Speaker) -> Draft | None:
    locks, thermostats = _role(things, "lock"), _role(things, "thermostat")
    if not locks or not thermostats:
        return None
    lock, thermo, n = sp.pick(locks), sp.pick(thermostats), sp.pick((15, 16, 17, 18))
    _, text = sp.fill("lock_thermostat", None, lock=lock, thermo=thermo, n=n)
    action = Action("climate.set_temperature", (thermo.entity_id,), (("temperature", float(n)),))
    trig = Trigger("state", lock.entity_id, to="locked")
    return text, _spec("Eco when locked", trig, (), action)


def _i_cold_heat(things: list[Thing], sp: Speaker) -> Draft | None:
    sensors = [t for t in _role(things, "temperature") if t.area_kind not in ("garden", "porch")]
    thermostats = _role(things, "thermostat")
    if not sensors or not thermostats:
        return None
    sensor, thermo, n = sp.pick(sensors), sp.pick(thermostats), sp.pick((16, 17, 18, 19))
    _, text = sp.fill("cold_heat", sensor.area_id, temp=sensor, thermo=thermo, n=n)
    trig = Trigger("numeric_state", sensor.entity_id, below=float(n))
    return text, _spec("Heat when cold", trig, (), _to(thermo, "heat"))


def _i_area_lights_off(things: list[Thing], sp: Speaker) -> Draft | None:
    lights = _role(things, "indoor_light")
    if not lights:
        return None
    area_id = sp.pick(lights).area_id
    targets = tuple(t.entity_id for t in lights if t.area_id == area_id)
    h, m, trig = _at(sp, (22, 23, 23, 0, 8, 9))
    _, text = sp.fill("area_lights_off", area_id, time=sp.time(h, m))
    return text, _spec("Area lights off", trig, (), Action("light.turn_off", targets))


def _scheduled(kind: str, role: str, state: str, hours: tuple[int, ...]):
    """An intent that sets one device to `state` at a clock time."""

    def draft(things: list[Thing], sp: Speaker) -> Draft | None:
        targets = _role(things, role)
        if not targets:
            return None
        target = sp.pick(targets)
        h, m, trig = _at(sp, hours)
        days: tuple[str, ...] | None = None
        if kind == "vacuum_schedule":
            days = WEEKDAYS if sp.rng.random() < 0.7 else WEEKEND
        elif kind == "coffee_morning" and sp.rng.random() < 0.5:
            days = WEEKDAYS
        phrase = sp.days(days == WEEKDAYS) if days else ""
        phrase = " " + phrase if phrase and kind == "coffee_morning" else phrase
        _, text = sp.fill(kind, None, t=target, time=sp.time(h, m), days=phrase)
        conds = (Condition(kind="time", weekday=days),) if days else ()
        return text, _spec(kind.replace("_", " ").capitalize(), trig, conds, _to(target, state))

    return draft


def _at_sun(kind: str, role: str, event: str):
    """An intent that switches one device on at sunrise or sunset (with an offset)."""

    def draft(things: list[Thing], sp: Speaker) -> Draft | None:
        targets = _role(things, role)
        if not targets:
            return None
        target, offset = sp.pick(targets), sp.pick((0, 0, -30, -15, 15, 30, 60))
        when = sp.sun(event, offset)
        _, text = sp.fill(kind, None, t=target, when=when, When=when[0].upper() + when[1:])
        trig = Trigger("sun", event=event, offset_s=offset * 60 if offset else None)
        return text, _spec(f"At {event}", trig, (), _to(target))

    return draft


INTENTS = {
    "motion_light": _i_motion_light,
    "door_light": _i_door_light,
    "humidity_fan": _i_humidity_fan,
    "window_heating_off": _i_window_heating_off,
    "lock_thermostat": _i_lock_thermostat,
    "cold_heat": _i_cold_heat,
    "area_lights_off": _i_area_lights_off,
    "lock_at_time": _scheduled("lock_at_time", "lock", "locked", (21, 22, 22, 23)),
    "vacuum_schedule": _scheduled("vacuum_schedule", "vacuum", "cleaning", (9, 10, 11, 13, 14)),
    "coffee_morning": _scheduled("coffee_morning", "coffee", "on", (6, 6, 7, 7, 8)),
    "media_off": _scheduled("media_off", "media", "off", (22, 23, 0)),
    "garage_close": _scheduled("garage_close", "garage", "closed", (21, 22, 23)),
    "light_at_time": _scheduled("light_at_time", "indoor_light", "on", (6, 7, 17, 18, 19, 20)),
    "irrigation_sunrise": _at_sun("irrigation_sunrise", "irrigation", "sunrise"),
    "outdoor_light_sunset": _at_sun("outdoor_light_sunset", "outdoor_light", "sunset"),
}
