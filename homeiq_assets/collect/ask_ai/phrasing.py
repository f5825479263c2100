"""How the simulated user talks: device references, times, days and sentence styles.

People name a device by its friendly name, by its area ("the kitchen light") or by a bare noun
("the lamp"), say times in many formats and are polite, casual (with the odd typo) or curt.
A `Speaker` renders one request with such habits, drawn from the rng, and remembers which
reference styles it used so the records can report them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pandas as pd

from homeiq_assets.collect.ask_ai.clock import HOUR_WORDS
from homeiq_assets.collect.observations import HomeObservations

T = TypeVar("T")


@dataclass(frozen=True)
class Thing:
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


@dataclass
class Speaker:
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
            elif isinstance(value, Thing):
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

    def ref(self, t: Thing) -> str:
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


def home_things(obs: HomeObservations, info: pd.DataFrame) -> list[Thing]:
    kinds = dict(zip(obs.areas["area_id"], obs.areas["kind"], strict=True))
    columns = ("domain", "device_class", "device_type", "device_name", "area_id")
    rows = zip(info.index.tolist(), *(info[c].tolist() for c in columns), strict=True)
    out = []
    for entity_id, domain, device_class, device_type, device_name, area_id in rows:
        out.append(
            Thing(
                entity_id=entity_id,
                domain=domain,
                device_class=device_class if isinstance(device_class, str) else "",
                device_type=str(device_type),
                name=str(device_name),
                area_id=str(area_id),
                area_kind=str(kinds.get(area_id, "")),
            )
        )
    return out
