"""Days, hours and darkness, as both the simulated user and the resolver name them.

The user says "on weekdays" or "at seven" and the resolver must read the same words back, so
the day sets, the hour words and the "only when dark" condition live here, shared by both.
"""

from __future__ import annotations

from homeiq_assets.collect.automation.spec import Condition

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
WEEKEND = ("sat", "sun")
DARK = Condition(kind="sun", after="sunset", before="sunrise")  # HA reads this pair as an OR
HOUR_WORDS = ("twelve", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
HOUR_WORDS += ("ten", "eleven")


def hhmmss(h: int, m: int) -> str:
    """`HH:MM:00`, the form a time trigger's `at` takes."""
    return f"{h:02d}:{m:02d}:00"
