"""The resolver (the "AI"): request text plus the home's registry in, an automation out.

It reads only the request and the registry (entity friendly names, device names, area and
floor names, domains and device classes), never ground truth. Typos are fixed against the
registry's words and device references are matched by weighted token overlap; vague
references make it answer wrongly or not at all, as a real assistant would, and its confidence
says how clear the winning match was.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

import pandas as pd

from homeiq_assets.collect.ask_ai.clock import DARK, HOUR_WORDS, hhmmss
from homeiq_assets.collect.ask_ai.parsing import (
    DARK_WORDS,
    DAYS_WORDS,
    SUN_WORDS,
    alias_for,
    desired_state,
    parse_clock,
    parse_days,
    parse_for_seconds,
    parse_sun,
    parse_threshold,
    split_clauses,
)
from homeiq_assets.collect.automation.services import service_for
from homeiq_assets.collect.automation.spec import Action, AutomationSpec, Condition, Trigger
from homeiq_assets.collect.observations import HomeObservations

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
        columns = ("floor_id", "friendly_name", "device_name", "area_name", "domain")
        rows = zip(
            info.index.tolist(),
            *(info[c].tolist() for c in (*columns, "device_class", "area_id")),
            strict=True,
        )
        for eid, floor_id, friendly, device, area, domain, device_class, area_id in rows:
            floor = _floor_words(levels.get(floor_id, 0), multi)
            tokens = set(_words(f"{friendly} {device} {area}"))
            self.cands.append(
                _Cand(
                    entity_id=str(eid),
                    domain=str(domain),
                    device_class=device_class if isinstance(device_class, str) else "",
                    area_id=str(area_id),
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
        when, what = split_clauses(text)
        trigger, t_conf, near = self._trigger(when, text)
        if trigger is None:
            return Answer(None, 0.0, "no trigger understood")
        actions, a_conf = self._action(what, near)
        if actions is None:
            return Answer(None, 0.0, "no action understood")
        conds: list[Condition] = []
        if trigger.kind in ("state", "numeric_state") and DARK_WORDS.search(text):
            conds.append(DARK)
        days = parse_days(text)
        if days:
            conds.append(Condition(kind="time", weekday=days))
        description = f"Ask AI: {request.strip()}"
        spec = AutomationSpec(alias_for(request), description, (trigger,), tuple(conds), actions)
        return Answer(spec, round(t_conf * a_conf, 4))

    def _trigger(self, when: str, text: str) -> tuple[Trigger | None, float, str | None]:
        if when:
            found = self._entity_trigger(when)
            if found is not None:
                return found
            if not SUN_WORDS.search(when):
                return None, 0.0, None
        sun = parse_sun(text)
        if sun is not None:
            return sun, 1.0, None
        clock = parse_clock(text)
        if clock is None:
            return None, 0.0, None
        (h, m), sure = clock
        return Trigger("time", at=hhmmss(h, m)), (1.0 if sure else 0.7), None

    def _entity_trigger(self, when: str) -> tuple[Trigger, float, str | None] | None:
        for_s = parse_for_seconds(when)
        if re.search(r"\b(motion|movement|moves|walks|enters|someone|occupied)\b", when):
            c, conf = self.pick(self.of("binary_sensor", "motion", "occupancy"), when)
            to, kind = "on", "state"
        elif re.search(r"humid|%|percent|\b(temperature|degrees|colder|warmer)\b", when):
            cls = "humidity" if re.search(r"humid|%|percent", when) else "temperature"
            c, conf = self.pick(self.of("sensor", cls), when)
            value = parse_threshold(when)
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
        state, data = desired_state(domain, clause)
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
