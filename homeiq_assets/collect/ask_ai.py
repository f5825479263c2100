"""Ask-AI conversations: a simulated user asks for automations in plain words, a simple resolver
answers with Home Assistant YAML, and the labeller judges the answer.

Three parts that must not see each other's secrets:

- the **user** draws an intent from the home's layout (devices, areas, floors) and says it the
  way people do: by friendly name, by area ("the kitchen light"), or by a bare noun ("the
  lamp"), politely or tersely, with times in many formats. The exact automation meant (with
  entity ids) is kept as `gt_intended_yaml`, for labelling only;
- the **resolver** (the "AI") reads only the request text and the home's registry (entity
  friendly names, device names, area and floor names, domains and device classes). Keyword
  rules find what should happen and when, numbers and times are parsed, typos are fixed
  against the registry's words, and device references are matched by weighted token overlap.
  Vague references ("the bedroom light" in a home with three bedrooms, "the light" meaning a
  lamp, "at 7" meaning 7 pm) make it answer wrongly or not at all, as a real assistant would;
  its confidence says how clear the winning match was;
- the **labeller** (`label_ask_ai`, the only code here that reads ground truth) compares the
  answer with the intent and checks whether the intent matches a planted routine, automation or
  linked synergy of the home.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pandas as pd
import yaml

from homeiq_assets.collect.automation_yaml import (
    Action,
    AutomationSpec,
    Condition,
    Trigger,
    service_for,
    to_yaml,
    validate_automation_yaml,
)
from homeiq_assets.collect.observations import HomeObservations, HomeTruth

T = TypeVar("T")
GENERATOR_VERSION = "ask-ai-1"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
WEEKEND = ("sat", "sun")
DARK = Condition(kind="sun", after="sunset", before="sunrise")  # HA reads this pair as an OR
HOUR_WORDS = ("twelve", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
HOUR_WORDS += ("ten", "eleven")

# ============================================================================================
# The user: what the home offers, and how people talk about it


@dataclass(frozen=True)
class _Thing:
    """A device's main entity as its owner knows it."""

    entity_id: str
    domain: str
    device_class: str
    device_type: str
    name: str  # the device name: "Kitchen Ceiling Light"
    area_id: str
    area_kind: str


NOUNS: dict[str, tuple[str, ...]] = {
    "ceiling_light": ("light", "ceiling light", "main light"),
    "lamp": ("lamp", "light", "table lamp"),  # people call a lamp "the light" too
    "outdoor_light": ("outdoor light", "light", "outside light"),
    "motion_sensor": ("motion sensor", "motion detector", "sensor"),
    "door_sensor": ("door", "door sensor"),
    "window_sensor": ("window", "window sensor"),
    "humidity": ("humidity sensor", "humidity"),
    "temperature": ("temperature sensor", "temperature", "thermometer"),
    "bathroom_fan": ("fan", "extractor fan", "exhaust fan"),
    "thermostat": ("thermostat", "heating"),
    "door_lock": ("door lock", "lock", "smart lock"),
    "vacuum": ("robot vacuum", "vacuum", "robot", "roomba"),
    "coffee_plug": ("coffee maker", "coffee machine", "coffee plug"),
    "irrigation": ("irrigation", "sprinklers", "garden watering"),
    "tv": ("tv", "television", "telly"),
    "speaker": ("speaker", "smart speaker"),
    "garage_door": ("garage door", "garage"),
}
AREA_ALIASES: dict[str, tuple[str, ...]] = {
    "living_room": ("lounge",),
    "laundry": ("laundry",),
    "entrance": ("entryway", "front door"),
    "garden": ("backyard", "yard"),
    "porch": ("front porch",),
    "hallway": ("hall",),
}
WEEKDAY_PHRASES = ("on weekdays", "monday to friday", "every weekday", "on workdays")
WEEKDAY_PHRASES += ("during the week", "except on weekends")  # the last one trips the resolver
WEEKEND_PHRASES = ("on weekends", "at the weekend", "on saturdays and sundays")
DARK_PHRASES = (" after dark", " but only after sunset", " when it's dark", " at night")
DARK_PHRASES += (" only when it's dark outside",)
PREFIXES = ("Please ", "Can you ", "Could you ", "I want you to ", "Hey, ", "Would you ")
OPENERS = ("Hey, ", "Hi! ", "So, ", "Quick one: ")
IMPERATIVE = re.compile(
    r"^(turn|switch|run|start|make|lock|close|set|shut|light|brew|water|kill|drop|put)\b", re.I
)


@dataclass
class _Speaker:
    """Renders references, times and sentences with the user's habits for one request."""

    rng: np.random.Generator
    areas: dict[str, tuple[str, str, int]]  # area_id -> (name, kind, floor level)
    multi_floor: bool
    styles: list[str] = field(default_factory=list)

    def pick(self, options: Sequence[T]) -> T:
        return options[int(self.rng.integers(len(options)))]

    def fill(self, kind: str, area_id: str | None, **slots: object) -> tuple[str, str]:
        """A template of `kind` with its slots said: devices rendered only when used."""
        tpl = self.pick(TEMPLATES[kind])
        said = {}
        for name in re.findall(r"{(\w+)}", tpl):
            value = slots.get(name)
            if name in ("area", "area_bare") and area_id is not None:
                said[name] = self.area(area_id, article=name == "area")
            elif isinstance(value, _Thing):
                said[name] = self.ref(value)
            else:
                said[name] = str(value)
        return tpl, tpl.format(**said)

    def area(self, area_id: str, article: bool = True) -> str:
        name, kind, level = self.areas[area_id]
        options = [name.lower()]
        if kind in ("bedroom", "bathroom") and (any(c.isdigit() for c in name) or " " in name):
            options.append(kind)  # "Bedroom 2" / "Main Bedroom" said as just "bedroom"
        if name.lower() == "main bedroom":
            options.append("master bedroom")
        if kind == "hallway" and self.multi_floor:
            options.append(("upstairs " if level > 0 else "downstairs ") + "hallway")
        options += AREA_ALIASES.get(kind, ())
        said = options[0] if self.rng.random() < 0.55 else self.pick(options[1:] or options)
        return f"the {said}" if article else said

    def ref(self, t: _Thing) -> str:
        nouns = NOUNS.get(t.device_class if t.device_type == "climate_sensor" else t.device_type)
        nouns = nouns or (t.name.lower(),)
        style = self.pick(("name", "name", "area", "area", "area", "short"))
        if t.device_type == "vacuum" and style == "area":
            style = "short"
        self.styles.append(style)
        if style == "name":
            return self.pick(("the ", "the ", "my ", "")) + t.name
        noun = self.pick(nouns)
        if style == "short":
            return f"the {noun}"
        area = self.area(t.area_id, False)
        if noun.split()[0] == area.split()[-1]:  # "front door" + "door lock" -> "front door lock"
            noun = noun.split(" ", 1)[1] if " " in noun else ""
        return f"{self.pick(('the ', 'my ', 'the '))}{area} {noun}".rstrip()

    def time(self, h: int, m: int) -> str:
        h12, pm = h % 12 or 12, h >= 12
        ampm = "pm" if pm else "am"
        options = [
            f"{h}:{m:02d}",
            f"{h:02d}:{m:02d}",
            f"{h12}:{m:02d} {ampm}",
            f"{h12}:{m:02d}{ampm}",
        ]
        if m == 0:
            part = "in the morning" if h < 12 else "in the evening" if h < 21 else "at night"
            options += [f"{h12} {ampm}", f"{h12}{ampm.upper()}", f"{h12}", f"{h12} {part}"]
            options.append(f"{HOUR_WORDS[h12 % 12]} o'clock")
        if m == 30:
            options.append(f"half past {HOUR_WORDS[h12 % 12]}")
        if m == 15:
            options.append(f"quarter past {HOUR_WORDS[h12 % 12]}")
        if m == 45:
            options.append(f"quarter to {HOUR_WORDS[(h12 + 1) % 12]}")
        if (h, m) == (0, 0):
            options.append("midnight")
        return self.pick(options)

    def sun(self, event: str, offset_min: int) -> str:
        word, other = ("sunset", "dusk") if event == "sunset" else ("sunrise", "dawn")
        if offset_min == 0:
            moves = "goes down" if event == "sunset" else "comes up"
            return self.pick((f"at {word}", f"at {other}", f"when the sun {moves}"))
        n = abs(offset_min)
        amount = {30: ("30 minutes", "half an hour"), 60: ("an hour", "60 minutes")}
        said = self.pick(amount.get(n, (f"{n} minutes", f"{n} min")))
        return f"{said} {'before' if offset_min < 0 else 'after'} {word}"

    def days(self, weekdays: bool) -> str:
        return self.pick(WEEKDAY_PHRASES if weekdays else WEEKEND_PHRASES)

    def sentence(self, body: str) -> str:
        """Dress the request up as polite, casual or curt."""
        style = self.pick(("polite", "casual", "curt"))
        if style == "polite":
            if IMPERATIVE.match(body):
                prefix = self.pick(PREFIXES)
                body = prefix + body[0].lower() + body[1:]
                end = "?" if prefix.strip().endswith("you") else "."
                return body + end + self.pick(("", " Thanks!", " Thank you."))
            return self.pick(OPENERS) + body[0].lower() + body[1:] + ", please."
        if style == "casual":
            text = body.lower() + self.pick(("", " pls", " thx", "!", " :)"))
            return _typo(text, self.rng) if self.rng.random() < 0.15 else text
        return body[0].upper() + body[1:] + "."


def _typo(text: str, rng: np.random.Generator) -> str:
    """Drop one letter of one long word: the kind of slip fuzzy matching must absorb."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long:
        return text
    i = long[int(rng.integers(len(long)))]
    j = int(rng.integers(1, len(words[i]) - 1))
    words[i] = words[i][:j] + words[i][j + 1 :]
    return " ".join(words)


def _things(obs: HomeObservations, info: pd.DataFrame) -> list[_Thing]:
    info = info.reset_index()
    kinds = dict(zip(obs.areas["area_id"], obs.areas["kind"], strict=True))
    out = []
    for row in info.itertuples(index=False):
        dc = row.device_class if isinstance(row.device_class, str) else ""
        out.append(
            _Thing(
                entity_id=row.entity_id,
                domain=row.domain,
                device_class=dc,
                device_type=str(row.device_type),
                name=str(row.device_name),
                area_id=str(row.area_id),
                area_kind=str(kinds.get(row.area_id, "")),
            )
        )
    return out


# ============================================================================================
# Intents: what the user means (exact entities) and how it can be said

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
TEMPLATES: dict[str, tuple[str, ...]] = {
    "motion_light": (
        "Turn on {light} when {motion} detects motion{dark}",
        "When {motion} picks up movement, switch on {light}{dark}",
        "make {light} come on whenever there's movement in {area}{dark}",
        "Switch {light} on if someone walks into {area}{dark}",
        "{light} on when {motion} sees motion{dark}",
        "Whenever someone enters {area}, turn on {light}{dark}",
    ),
    "door_light": (
        "When {door} opens after dark, turn on {light}",
        "turn on {light} when {door} is opened at night",
        "If {door} opens and it's dark out, switch {light} on",
        "Light up {light} whenever {door} opens after sunset",
        "After dark, {light} should come on as soon as {door} opens",
    ),
    "humidity_fan": (
        "Run {fan} when {area_bare} humidity goes above {n}%",
        "turn on {fan} if the humidity in {area} is over {n} percent",
        "When {hum} rises above {n} %, switch on {fan}",
        "{fan} should come on once humidity in {area} passes {n}%",
        "Start {fan} whenever {area} gets more humid than {n}%",
    ),
    "window_heating_off": (
        "Switch the heating off while {window} is open",
        "turn off {thermo} when {window} has been open for {mins} minutes",
        "If {window} opens, turn the heating off",
        "When someone opens {window}, set {thermo} to off",
        "heating off whenever {window} is open for more than {mins} min",
    ),
    "lock_at_time": (
        "Lock {t} every night at {time}",
        "lock {t} at {time} each evening",
        "At {time}, lock {t}",
        "make sure {t} gets locked at {time} every day",
        "{t} should lock itself at {time}",
    ),
    "vacuum_schedule": (
        "Start {t} at {time} {days}",
        "run {t} {days} at {time}",
        "I'd like {t} to start cleaning at {time} {days}",
        "have {t} clean {days} at {time}",
    ),
    "area_lights_off": (
        "Turn off all lights in {area} at {time}",
        "switch off the {area_bare} lights at {time}",
        "At {time} every day, turn every light in {area} off",
        "lights off in {area} at {time}",
        "kill all the {area_bare} lights at {time}",
    ),
    "lock_thermostat": (
        "Set {thermo} to {n} °C when {lock} is locked",
        "when {lock} gets locked, drop {thermo} to {n} degrees",
        "Whenever I lock {lock}, set {thermo} to {n}°C",
        "turn {thermo} down to {n} degrees once {lock} locks",
    ),
    "coffee_morning": (
        "Turn on {t} at {time}{days}",
        "start {t} every morning at {time}{days}",
        "I'd like {t} switched on at {time} in the morning{days}",
        "Brew coffee at {time}{days}: switch on {t}",
        "{t} on at {time}{days}",
    ),
    "irrigation_sunrise": (
        "Turn on {t} {when}",
        "water the garden {when}",
        "start {t} {when} every day",
        "{When}, switch {t} on",
    ),
    "outdoor_light_sunset": (
        "Turn on {t} {when}",
        "switch {t} on {when}",
        "{When}, turn on {t}",
        "{t} on {when}",
    ),
    "media_off": (
        "Turn off {t} at {time}",
        "switch {t} off at {time} every night",
        "At {time}, power off {t}",
        "make {t} turn off at {time}",
    ),
    "garage_close": (
        "Close {t} at {time} every night",
        "shut {t} at {time}",
        "At {time}, close {t}",
        "make sure {t} is closed at {time}",
    ),
    "light_at_time": (
        "Turn on {t} at {time}",
        "switch {t} on every day at {time}",
        "At {time}, put {t} on",
        "have {t} come on at {time}",
    ),
    "cold_heat": (
        "Turn the heating on when {area_bare} temperature drops below {n} °C",
        "if it gets colder than {n} degrees in {area}, switch {thermo} to heat",
        "When {temp} falls under {n}°C, put {thermo} in heat mode",
        "heat on if {area} is below {n} degrees",
    ),
}


def _role(things: list[_Thing], role: str) -> list[_Thing]:
    domain, dc, types = ROLES[role]
    return [
        t
        for t in things
        if t.domain == domain
        and (dc is None or t.device_class == dc)
        and (types is None or t.device_type in types)
    ]


def _pairs(things: list[_Thing], a: str, b: str) -> list[tuple[_Thing, _Thing]]:
    """Devices of roles `a` and `b` in the same area (automations people ask for)."""
    return [(x, y) for x in _role(things, a) for y in _role(things, b) if x.area_id == y.area_id]


def _spec(alias: str, trigger: Trigger, conditions: tuple, action: Action) -> AutomationSpec:
    return AutomationSpec(alias, "Requested through Ask AI", (trigger,), conditions, (action,))


def _to(t: _Thing, state: str = "on") -> Action:
    action = service_for(t.entity_id, state)
    if action is None:
        raise ValueError(f"no service brings {t.entity_id} to {state!r}")
    return action


def _clock(h: int, m: int) -> str:
    return f"{h:02d}:{m:02d}:00"


def _at(sp: _Speaker, hours: tuple[int, ...]) -> tuple[int, int, Trigger]:
    h, m = sp.pick(hours), sp.pick((0, 0, 15, 30, 30, 45, 10, 20))
    return h, m, Trigger("time", at=_clock(h, m))


def _i_motion_light(things: list[_Thing], sp: _Speaker) -> Draft | None:
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


def _i_door_light(things: list[_Thing], sp: _Speaker) -> Draft | None:
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


def _i_humidity_fan(things: list[_Thing], sp: _Speaker) -> Draft | None:
    pairs = _pairs(things, "humidity", "fan")
    if not pairs:
        return None
    hum, fan = sp.pick(pairs)
    n = sp.pick((60, 65, 70, 75, 80))
    _, text = sp.fill("humidity_fan", hum.area_id, fan=fan, hum=hum, n=n)
    trig = Trigger("numeric_state", hum.entity_id, above=float(n))
    return text, _spec("Humidity fan", trig, (), _to(fan))


def _i_window_heating_off(things: list[_Thing], sp: _Speaker) -> Draft | None:
    windows, thermostats = _role(things, "window"), _role(things, "thermostat")
    if not windows or not thermostats:
        return None
    window, thermo, mins = sp.pick(windows), sp.pick(thermostats), sp.pick((2, 5, 10))
    tpl, text = sp.fill("window_heating_off", None, window=window, thermo=thermo, mins=mins)
    for_s = mins * 60 if "{mins}" in tpl else None
    trig = Trigger("state", window.entity_id, to="on", for_s=for_s)
    return text, _spec("Window heating off", trig, (), _to(thermo, "off"))


def _i_lock_thermostat(things: list[_Thing], sp: _Speaker) -> Draft | None:
    locks, thermostats = _role(things, "lock"), _role(things, "thermostat")
    if not locks or not thermostats:
        return None
    lock, thermo, n = sp.pick(locks), sp.pick(thermostats), sp.pick((15, 16, 17, 18))
    _, text = sp.fill("lock_thermostat", None, lock=lock, thermo=thermo, n=n)
    action = Action("climate.set_temperature", (thermo.entity_id,), (("temperature", float(n)),))
    trig = Trigger("state", lock.entity_id, to="locked")
    return text, _spec("Eco when locked", trig, (), action)


def _i_cold_heat(things: list[_Thing], sp: _Speaker) -> Draft | None:
    sensors = [t for t in _role(things, "temperature") if t.area_kind not in ("garden", "porch")]
    thermostats = _role(things, "thermostat")
    if not sensors or not thermostats:
        return None
    sensor, thermo, n = sp.pick(sensors), sp.pick(thermostats), sp.pick((16, 17, 18, 19))
    _, text = sp.fill("cold_heat", sensor.area_id, temp=sensor, thermo=thermo, n=n)
    trig = Trigger("numeric_state", sensor.entity_id, below=float(n))
    return text, _spec("Heat when cold", trig, (), _to(thermo, "heat"))


def _i_area_lights_off(things: list[_Thing], sp: _Speaker) -> Draft | None:
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

    def draft(things: list[_Thing], sp: _Speaker) -> Draft | None:
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

    def draft(things: list[_Thing], sp: _Speaker) -> Draft | None:
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

# ============================================================================================
# The resolver: request text + registry -> automation

SYNONYMS = dict(
    pair.split("=")
    for pair in " ".join(
        (
            "lights=light lamps=lamp television=tv telly=tv roomba=vacuum hoover=vacuum",
            "sprinkler=irrigation sprinklers=irrigation watering=irrigation water=irrigation",
            "heating=thermostat heater=thermostat extractor=fan exhaust=fan master=main",
            "front=entrance entryway=entrance lounge=living hall=hallway outside=outdoor",
            "backyard=garden yard=garden movement=motion machine=maker temp=temperature",
            "bath=bathroom",
        )
    ).split()
)
STOPWORDS = frozenset(
    " ".join(
        (
            "the a an my our your on off in at to of and is it its when whenever if once while",
            "as soon please turn switch set make have can could you would i me every each day",
            "night all that there s be been for get gets should come up out someone detects sees",
            "picks opens opened open goes above below over under than more less into enters walks",
            "after before dark sunset sunrise then want like d hey hi so quick one thanks thank",
            "pls thx just start run put down drop stays itself sure locked lock locks close closed",
            "shut mode heat clean cleaning power rises falls drops passes humid colder percent",
            "degrees minutes min weekday weekdays weekend weekends am pm evening morning o clock",
            "half quarter past",
        )
    ).split()
)
KEYWORDS = frozenset(  # command words the spelling fixer must know, besides the registry
    " ".join(
        (
            *HOUR_WORDS,
            "window door motion humidity temperature thermostat heating sunrise sunset sundown",
            "weekdays weekends workdays saturdays sundays monday friday during except tonight",
            "afternoon midnight midday noon unlock unlocked closes locked opens opened comes",
            "detected whenever switched occupied warmer lower higher exceeds reaches percent",
            "goes rises sets falls drops passes detector thermometer smart table upstairs",
            "downstairs there someone should itself cleaning morning evening minutes hours",
            "brightness coffee garden porch outdoor ceiling sensor speaker garage robot",
        )
    ).split()
)
ACTION_DOMAINS = (  # first match wins: "the garage light" is a light, not the garage door
    ("light", r"\b(lights?|lamps?)\b"),
    ("fan", r"\b(fan|extractor)\b"),
    ("media_player", r"\b(tv|television|telly|speaker|music)\b"),
    ("switch", r"\b(coffee|irrigation|sprinklers?|watering|water|plug|valve)\b"),
    ("vacuum", r"\b(vacuum|robot|roomba|hoover)\b"),
    ("climate", r"\b(thermostat|heating|heater|heat)\b"),
    ("lock", r"\block\b"),
    ("cover", r"\bgarage\b"),
)
TRIGGER_WORD = re.compile(r"\b(whenever|when|if|once|while|as soon as)\b")
VERB_AFTER = re.compile(r"\b(turn|switch|start|run|set|lock|close|put|light up|drop|make)\b")
DAYS_WORDS = re.compile(
    r"\b(on |every |at the )?(weekdays?|weekends?|workdays?|monday to friday|mon-fri|"
    r"during the week|saturdays and sundays)\b"
)
DARK_WORDS = re.compile(r"\b(dark|night|sunset|sundown)\b")
SUN_WORDS = re.compile(
    r"\b(sunset|sunrise|dusk|dawn|sundown|sun goes down|sun comes up|sun sets|sun rises)\b"
)
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "five": 5, "ten": 10}


@dataclass(frozen=True)
class _Cand:
    entity_id: str
    domain: str
    device_class: str
    area_id: str
    tokens: frozenset[str]


@dataclass
class Answer:
    """The resolver's reply: an automation (or why there is none) and how sure it is."""

    spec: AutomationSpec | None
    confidence: float
    failure: str | None = None


def _words(text: str) -> list[str]:
    return [SYNONYMS.get(w, w) for w in re.findall(r"[a-z0-9]+", text.lower())]


def _floor_words(level: int, multi_floor: bool) -> set[str]:
    if not multi_floor:
        return set()
    return {"upstairs"} if level > 0 else {"downstairs"} if level == 0 else {"basement"}


class Resolver:
    """Answers requests for one home from its registry alone."""

    def __init__(self, obs: HomeObservations, info: pd.DataFrame | None = None):
        info = obs.entity_info() if info is None else info
        levels = dict(zip(obs.floors["floor_id"], obs.floors["level"], strict=True))
        multi = len(levels) > 1
        self.cands: list[_Cand] = []
        for eid, row in zip(info.index, info.itertuples(index=False), strict=True):
            floor = _floor_words(levels.get(row.floor_id, 0), multi)
            tokens = set(_words(f"{row.friendly_name} {row.device_name} {row.area_name}"))
            self.cands.append(
                _Cand(
                    entity_id=str(eid),
                    domain=str(row.domain),
                    device_class=row.device_class if isinstance(row.device_class, str) else "",
                    area_id=str(row.area_id),
                    tokens=frozenset(tokens | floor),
                )
            )
        self.areas = {
            a: frozenset(set(_words(str(n))) | _floor_words(levels.get(f, 0), multi))
            for a, n, f in zip(
                obs.areas["area_id"], obs.areas["name"], obs.areas["floor_id"], strict=True
            )
        }
        vocab = {t for c in self.cands for t in c.tokens}
        raw = set(re.findall(r"[a-z]+", " ".join(map(str, info["friendly_name"])).lower()))
        self.known = sorted(vocab | raw | KEYWORDS | STOPWORDS | set(SYNONYMS))
        self._known = frozenset(self.known)

    def correct(self, text: str) -> str:
        """Undo typos: a long unknown word becomes the closest known one (registry or command)."""

        def fix(m: re.Match) -> str:
            w = m.group(0)
            if len(w) < 5 or w in self._known:
                return w
            close = difflib.get_close_matches(w, self.known, n=1, cutoff=0.8)
            return close[0] if close else w

        return re.sub(r"[a-z]+", fix, text)

    # ---- matching ------------------------------------------------------------------------

    def _clause_tokens(self, clause: str) -> set[str]:
        return {w for w in _words(clause) if w not in STOPWORDS}

    def pick(
        self, cands: list[_Cand], clause: str, near: str | None = None
    ) -> tuple[_Cand | None, float]:
        """The candidate the clause names best, and a confidence from the winning margin."""
        if not cands:
            return None, 0.0
        if len(cands) == 1:
            return cands[0], 1.0
        words = self._clause_tokens(clause)
        df = {w: sum(w in c.tokens for c in cands) for w in words}
        weight = {w: 1.0 + math.log(len(cands) / n) for w, n in df.items() if n}
        scores = [sum(weight.get(w, 0.0) for w in words & c.tokens) for c in cands]
        ranked = sorted(
            range(len(cands)),
            key=lambda i: (-round(scores[i], 6), cands[i].area_id != near, len(cands[i].tokens)),
        )
        best, second = scores[ranked[0]], scores[ranked[1]]
        if best == 0.0:
            if near is not None and cands[ranked[0]].area_id == near:
                return cands[ranked[0]], 0.4
            return None, 0.0
        margin = (best - second) / best
        return cands[ranked[0]], 0.35 + 0.65 * margin

    def of(self, domain: str, *classes: str) -> list[_Cand]:
        return [
            c
            for c in self.cands
            if c.domain == domain and (not classes or c.device_class in classes)
        ]

    def area(self, clause: str) -> str | None:
        words = self._clause_tokens(clause)
        scored = [(len(words & toks) - 0.01 * len(toks), a) for a, toks in self.areas.items()]
        best = max(scored, key=lambda s: s[0], default=(0.0, None))
        return best[1] if best[0] > 0 else None

    # ---- parsing -------------------------------------------------------------------------

    def answer(self, request: str) -> Answer:
        text = self.correct(" ".join(request.lower().replace("°", " degrees ").split()))
        when, what = _split(text)
        trigger, t_conf, near = self._trigger(when, text)
        if trigger is None:
            return Answer(None, 0.0, "no trigger understood")
        actions, a_conf = self._action(what, near)
        if actions is None:
            return Answer(None, 0.0, "no action understood")
        conds: list[Condition] = []
        if trigger.kind in ("state", "numeric_state") and DARK_WORDS.search(text):
            conds.append(DARK)
        days = _days(text)
        if days:
            conds.append(Condition(kind="time", weekday=days))
        description = f"Ask AI: {request.strip()}"
        spec = AutomationSpec(_alias(request), description, (trigger,), tuple(conds), actions)
        return Answer(spec, round(t_conf * a_conf, 4))

    def _trigger(self, when: str, text: str) -> tuple[Trigger | None, float, str | None]:
        if when:
            found = self._entity_trigger(when)
            if found is not None:
                return found
            if not SUN_WORDS.search(when):
                return None, 0.0, None
        sun = _sun(text)
        if sun is not None:
            return sun, 1.0, None
        clock = _time(text)
        if clock is None:
            return None, 0.0, None
        (h, m), sure = clock
        return Trigger("time", at=_clock(h, m)), (1.0 if sure else 0.7), None

    def _entity_trigger(self, when: str) -> tuple[Trigger, float, str | None] | None:
        for_s = _for_seconds(when)
        if re.search(r"\b(motion|movement|moves|walks|enters|someone|occupied)\b", when):
            c, conf = self.pick(self.of("binary_sensor", "motion", "occupancy"), when)
            to, kind = "on", "state"
        elif re.search(r"humid|%|percent|\b(temperature|degrees|colder|warmer)\b", when):
            cls = "humidity" if re.search(r"humid|%|percent", when) else "temperature"
            c, conf = self.pick(self.of("sensor", cls), when)
            value = _threshold(when)
            if c is None or value is None:
                return None
            below = re.search(r"\b(below|under|drops|falls|colder|less|lower)\b", when)
            trig = Trigger(
                "numeric_state",
                c.entity_id,
                above=None if below else value,
                below=value if below else None,
                for_s=for_s,
            )
            return trig, conf, c.area_id
        elif re.search(r"\b(lock|locks|locked|unlock|unlocked)\b", when):
            c, conf = self.pick(self.of("lock"), when)
            to, kind = ("unlocked" if "unlock" in when else "locked"), "state"
        elif re.search(r"\b(open|opens|opened|closes|closed)\b", when):
            cls = "window" if "window" in when else "door"
            c, conf = self.pick(self.of("binary_sensor", cls, "garage_door"), when)
            to, kind = ("off" if re.search(r"\bclos", when) else "on"), "state"
        else:
            return None
        if c is None:
            return None
        return Trigger(kind, c.entity_id, to=to, for_s=for_s), conf, c.area_id

    def _action(self, what: str, near: str | None) -> tuple[tuple[Action, ...] | None, float]:
        clause = DAYS_WORDS.sub(" ", what)
        domain = next((d for d, rx in ACTION_DOMAINS if re.search(rx, clause)), None)
        if domain is None:
            return None, 0.0
        state, data = _desired(domain, clause)
        if state is None:
            return None, 0.0
        if domain == "light" and re.search(r"\b(lights|all|every light)\b", clause):
            area = self.area(clause) or near
            ids = tuple(c.entity_id for c in self.of("light") if c.area_id == area)
            return (
                ((Action("light.turn_off" if state == "off" else "light.turn_on", ids),), 0.8)
                if ids
                else (None, 0.0)
            )
        cand, conf = self.pick(self.of(domain), clause, near)
        if cand is None:
            return None, 0.0
        if data:
            return (Action(f"{domain}.set_temperature", (cand.entity_id,), data),), conf
        action = service_for(cand.entity_id, state)
        return ((action,), conf) if action else (None, 0.0)


def _alias(request: str, limit: int = 60) -> str:
    text = request.strip().rstrip(".!?")
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return text[0].upper() + text[1:]


def _split(text: str) -> tuple[str, str]:
    """(trigger clause, action clause): "turn on X when Y" and "when Y, turn on X" alike."""
    body = re.sub(r"^(hey|hi|so|quick one)\W+", "", text)
    match = TRIGGER_WORD.search(body)
    if match is None:
        return "", body
    if match.start() > 0 and not body[: match.start()].strip().endswith(","):
        return body[match.end() :], body[: match.start()]
    rest = body[match.end() :]
    cut = rest.find(",")
    if cut < 0:
        verb = VERB_AFTER.search(rest)
        cut = verb.start() if verb else len(rest)
    return rest[:cut], body[: match.start()] + " " + rest[cut:]


def _desired(domain: str, clause: str) -> tuple[str | None, tuple]:
    """Target state (and data) the action clause asks for."""
    off = re.search(r"\b(off|shut off|power off)\b", clause)
    if domain == "climate":
        number = re.search(r"\b(\d+(?:\.\d+)?)\s*degrees\b", clause) or re.search(
            r"\bto (\d+(?:\.\d+)?)\b", clause
        )
        if number:
            return "set", (("temperature", float(number.group(1))),)
        if off:
            return "off", ()
        return ("heat", ()) if re.search(r"\b(heat|heating|on)\b", clause) else (None, ())
    if domain == "lock":
        return ("unlocked" if "unlock" in clause else "locked"), ()
    if domain == "cover":
        if re.search(r"\b(close|closed|shut)\b", clause):
            return "closed", ()
        return ("open" if "open" in clause else None), ()
    if domain == "vacuum":
        if re.search(r"\b(dock|return|base)\b", clause):
            return "docked", ()
        return ("cleaning" if re.search(r"\b(start|clean|run|vacuum)", clause) else None), ()
    if off:
        return "off", ()
    on = re.search(r"\b(on|start|run|brew|water|light up)\b", clause)
    return ("on" if on else None), ()


def _days(text: str) -> tuple[str, ...] | None:
    match = DAYS_WORDS.search(text)
    if match is None:
        return None
    word = match.group(2)
    return WEEKEND if "weekend" in word or "saturday" in word else WEEKDAYS


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    if word in HOUR_WORDS:
        return HOUR_WORDS.index(word) or 12
    return NUMBER_WORDS.get(word)


def _time(text: str) -> tuple[tuple[int, int], bool] | None:
    """Clock time in the text and whether it was unambiguous (24 h, am/pm or a day part)."""
    if "midnight" in text:
        return (0, 0), True
    if re.search(r"\b(noon|midday)\b", text):
        return (12, 0), True
    h = m = None
    ampm = None
    if found := re.search(r"\b(\d{1,2}):(\d{2})\s*(am|pm)?\b", text):
        h, m, ampm = int(found.group(1)), int(found.group(2)), found.group(3)
    elif found := re.search(r"\b(\d{1,2})\s*(am|pm)\b", text):
        h, m, ampm = int(found.group(1)), 0, found.group(2)
    elif found := re.search(r"\b(half past|quarter past|quarter to) (\w+)", text):
        hour = _number(found.group(2))
        if hour is None:
            return None
        offset = {"half past": 30, "quarter past": 15, "quarter to": -15}[found.group(1)]
        h, m = (hour - 1, 45) if offset < 0 else (hour, offset)
    elif found := re.search(r"\b(\w+) o'?clock", text):
        h, m = _number(found.group(1)), 0
    elif found := re.search(r"\bat (\d{1,2})\b(?!\s*(%|percent|degrees|min))", text):
        h, m = int(found.group(1)), 0
    if h is None or m is None or h > 23 or m > 59:
        return None
    if ampm:
        return ((h % 12) + (12 if ampm == "pm" else 0), m), True
    if h > 12 or (found and found.group(0).startswith("0")):
        return (h, m), True
    if re.search(r"\b(evening|tonight|night|afternoon)\b", text) and h < 12:
        return (h + 12, m), True
    return (h, m), "morning" in text


def _sun(text: str) -> Trigger | None:
    match = SUN_WORDS.search(text)
    if match is None:
        return None
    word = match.group(1)
    event = "sunrise" if word in ("sunrise", "dawn", "sun comes up", "sun rises") else "sunset"
    offset = re.search(
        r"\b(\d+|an|a|half an)\s*(minutes?|min|hours?)\s+(before|after)\s+(sunset|sunrise)", text
    )
    offset_s = None
    if offset:
        n = 0.5 if offset.group(1) == "half an" else _number(offset.group(1)) or 0
        seconds = int(n * (3600 if offset.group(2).startswith("hour") else 60))
        offset_s = -seconds if offset.group(3) == "before" else seconds
    return Trigger("sun", event=event, offset_s=offset_s)


def _threshold(clause: str) -> float | None:
    found = re.search(r"(\d+(?:\.\d+)?)\s*(%|percent|degrees)", clause) or re.search(
        r"\b(?:above|over|below|under|than|passes|exceeds|reaches)\s+(\d+(?:\.\d+)?)", clause
    )
    return float(found.group(1)) if found else None


def _for_seconds(clause: str) -> int | None:
    found = re.search(
        r"\bfor (?:more than |over |at least )?(\d+|a|an|one|two|five|ten)\s*(seconds?|"
        r"minutes?|mins?)\b",
        clause,
    )
    if not found:
        return None
    n = _number(found.group(1)) or 1
    return n * (1 if found.group(2).startswith("second") else 60)


# ============================================================================================
# Collection


def generate_ask_ai(
    obs: HomeObservations, rng: np.random.Generator, n_per_home: int = 12
) -> list[dict]:
    """`n_per_home` requests for one home, each answered and validated (no ground truth read)."""
    info = obs.entity_info()
    things = _things(obs, info)
    levels = dict(zip(obs.floors["floor_id"], obs.floors["level"], strict=True))
    areas = {
        a: (str(n), str(k), int(levels.get(f, 0)))
        for a, n, k, f in zip(
            obs.areas["area_id"],
            obs.areas["name"],
            obs.areas["kind"],
            obs.areas["floor_id"],
            strict=True,
        )
    }
    resolver = Resolver(obs, info)
    entity_ids = frozenset(obs.entities["entity_id"])
    probe = _Speaker(np.random.default_rng(0), areas, len(levels) > 1)
    kinds = [k for k, draft in INTENTS.items() if draft(things, probe) is not None]
    records: list[dict] = []
    seen: set[str] = set()
    order: list[str] = []
    while len(order) < n_per_home and kinds:
        order += [kinds[i] for i in rng.permutation(len(kinds))]
    for i, kind in enumerate(order[:n_per_home]):
        for _ in range(4):  # a repeated sentence teaches nothing: redraw
            sp = _Speaker(rng, areas, len(levels) > 1)
            body, intended = INTENTS[kind](things, sp)  # applicable, so never None
            request = sp.sentence(body)
            if request not in seen:
                break
        seen.add(request)
        records.append(
            _record(obs.home_id, i, kind, request, sp.styles, intended, resolver, entity_ids)
        )
    return records


def _record(
    home_id: str,
    i: int,
    kind: str,
    request: str,
    styles: list[str],
    intended: AutomationSpec,
    resolver: Resolver,
    entity_ids: frozenset[str],
) -> dict:
    answer = resolver.answer(request)
    answer_yaml = to_yaml(answer.spec) if answer.spec is not None else ""
    check = validate_automation_yaml(answer_yaml, entity_ids) if answer_yaml else None
    return {
        "record_id": f"{home_id}.ask.{i:03d}",
        "home_id": home_id,
        "request": request,
        "intent_kind": kind,
        "reference_styles": sorted(set(styles)),
        "answer_yaml": answer_yaml,
        "answer_confidence": answer.confidence,
        "answer_failure": answer.failure,
        "yaml_parses": bool(check and check.parses),
        "yaml_schema_valid": bool(check and check.schema_valid),
        "yaml_entities_exist": bool(check and check.entities_exist),
        "yaml_valid": bool(check and check.valid),
        "yaml_errors": list(check.errors) if check else [f"no answer: {answer.failure}"],
        "gt_intended_yaml": to_yaml(intended),
    }


# ============================================================================================
# Labelling (reads ground truth)

TIME_TOLERANCE_MIN = 5
VALUE_TOLERANCE = 1.0


def _seconds(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return int(value)
    sign = -1 if str(value).startswith("-") else 1
    parts = [int(float(p)) for p in str(value).lstrip("+-").split(":")]
    parts += [0] * (3 - len(parts))
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def _targets(action: dict) -> frozenset[str]:
    ids = (action.get("target") or {}).get("entity_id") or []
    return frozenset([ids] if isinstance(ids, str) else ids)


def _conditions(cfg: dict) -> set[tuple]:
    out = set()
    for c in cfg.get("conditions") or []:
        weekday = c.get("weekday")
        weekday = tuple(sorted([weekday] if isinstance(weekday, str) else weekday or []))
        out.add((c.get("condition"), c.get("after"), c.get("before"), weekday))
    return out


def _gap(a: float | None, b: float | None, period: float | None = None) -> float:
    """Distance of two optional numbers (0 when both absent, infinite when one is)."""
    if a is None or b is None:
        return 0.0 if a is None and b is None else math.inf
    d = abs(float(a) - float(b))
    return min(d % period, period - d % period) if period else d


def _reject_reason(intended: dict, answer: dict) -> str | None:
    """Why the answer does not implement the intended automation (None when it does).

    Checked in order: trigger kind, entities, services, times (±5 min), numbers (±1), then
    conditions; the first failure names the reason.
    """
    ti, ta = intended["triggers"][0], answer["triggers"][0]
    ai, aa = intended["actions"], answer["actions"]

    def shape(t: dict) -> tuple:
        return t["trigger"], t.get("event"), t.get("to"), "above" in t, "below" in t

    def service(a: dict) -> tuple:
        return a.get("action"), (a.get("data") or {}).get("hvac_mode")

    def temperature(a: dict) -> float | None:
        return (a.get("data") or {}).get("temperature")

    tol_s = TIME_TOLERANCE_MIN * 60
    checks = (
        ("wrong trigger", lambda: shape(ti) != shape(ta)),
        ("wrong entity", lambda: ti.get("entity_id") != ta.get("entity_id")),
        ("wrong entity", lambda: [_targets(a) for a in ai] != [_targets(a) for a in aa]),
        ("wrong action", lambda: [service(a) for a in ai] != [service(a) for a in aa]),
        (
            "wrong time",
            lambda: _gap(_seconds(ti.get("at")), _seconds(ta.get("at")), 86_400) > tol_s,
        ),
        (
            "wrong time",
            lambda: _gap(_seconds(ti.get("offset")), _seconds(ta.get("offset"))) > tol_s,
        ),
        ("wrong value", lambda: _gap(ti.get("above"), ta.get("above")) > VALUE_TOLERANCE),
        ("wrong value", lambda: _gap(ti.get("below"), ta.get("below")) > VALUE_TOLERANCE),
        ("wrong value", lambda: _gap(_seconds(ti.get("for")), _seconds(ta.get("for"))) > 30),
        (
            "wrong value",
            lambda: any(
                _gap(temperature(x), temperature(y)) > VALUE_TOLERANCE / 2
                for x, y in zip(ai, aa, strict=True)
            ),
        ),
        ("wrong condition", lambda: _conditions(intended) != _conditions(answer)),
    )
    return next((reason for reason, failed in checks if failed()), None)


def _planted_match(intended: dict, truth: HomeTruth) -> str | None:
    """The planted routine, automation or linked synergy the intended automation is."""
    trig = intended["triggers"][0].get("entity_id")
    acts = [t for a in intended["actions"] for t in sorted(_targets(a))]
    for row in truth.routines.itertuples(index=False):
        planted = list(row.action_entity_ids)
        if isinstance(row.trigger_entity_id, str):
            if row.trigger_entity_id == trig and set(acts) & set(planted):
                return str(row.routine_id)
        elif trig is None and planted and acts and planted[0] == acts[0]:
            return str(row.routine_id)
    syn = truth.synergies
    if len(syn) and trig is not None:
        hit = syn[syn["gt_linked"].astype(bool) & (syn["trigger_entity_id"] == trig)]
        hit = hit[hit["action_entity_id"].isin(acts)]
        if len(hit):
            gid = hit["gt_automation_id"].iloc[0]
            return str(gid) if isinstance(gid, str) else f"{truth.home_id}.synergy"
    return None


def label_ask_ai(records: list[dict], truth: HomeTruth) -> list[dict]:
    """Set `approved`, `reject_reason`, `matches_planted_routine` (and the routine id)."""
    for rec in records:
        intended = yaml.safe_load(rec["gt_intended_yaml"])
        if not rec["answer_yaml"]:
            reason = "unparsed request"
        elif not rec["yaml_valid"]:
            reason = "invalid yaml"
        else:
            reason = _reject_reason(intended, yaml.safe_load(rec["answer_yaml"]))
        match = _planted_match(intended, truth)
        rec["approved"] = reason is None
        rec["reject_reason"] = reason
        rec["matches_planted_routine"] = match is not None
        rec["gt_matched_routine_id"] = match
    return records
