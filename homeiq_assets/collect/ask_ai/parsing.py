"""Reading a request's words: the trigger and action clauses, states, times, days, numbers.

The resolver's rules, as plain functions of the (lower-cased, typo-fixed) text: no registry is
needed here, only the ways people phrase "when", "at 7 pm", "above 70 %" or "on weekdays".
Ambiguity is kept, not guessed away: a bare "at 7" is reported as unsure.
"""

from __future__ import annotations

import re

from homeiq_assets.collect.ask_ai.clock import HOUR_WORDS, WEEKDAYS, WEEKEND
from homeiq_assets.collect.automation.spec import Trigger

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


def alias_for(request: str, limit: int = 60) -> str:
    text = request.strip().rstrip(".!?")
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return text[0].upper() + text[1:]


def split_clauses(text: str) -> tuple[str, str]:
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


def desired_state(domain: str, clause: str) -> tuple[str | None, tuple]:
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


def parse_days(text: str) -> tuple[str, ...] | None:
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


def parse_clock(text: str) -> tuple[tuple[int, int], bool] | None:
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


def parse_sun(text: str) -> Trigger | None:
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


def parse_threshold(clause: str) -> float | None:
    found = re.search(r"(\d+(?:\.\d+)?)\s*(%|percent|degrees)", clause) or re.search(
        r"\b(?:above|over|below|under|than|passes|exceeds|reaches)\s+(\d+(?:\.\d+)?)", clause
    )
    return float(found.group(1)) if found else None


def parse_for_seconds(clause: str) -> int | None:
    found = re.search(
        r"\bfor (?:more than |over |at least )?(\d+|a|an|one|two|five|ten)\s*(seconds?|"
        r"minutes?|mins?)\b",
        clause,
    )
    if not found:
        return None
    n = _number(found.group(1)) or 1
    return n * (1 if found.group(2).startswith("second") else 60)
